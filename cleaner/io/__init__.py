"""The I/O edge: reading inputs into documents and writing results, atomically."""
