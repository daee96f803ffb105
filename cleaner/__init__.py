"""cleaner: turn scraped news and web text into clean text.

>>> from cleaner import clean
>>> result = clean("Advertisement\\n\\nThe council met on Monday.", skip=["grammar"])
>>> result.text
'The council met on Monday.'

See :class:`cleaner.Cleaner` for repeated use and custom pipelines.
"""

from cleaner.api import Cleaner, clean
from cleaner.document import Document, Edit
from cleaner.errors import CleanerError, ConfigError, DocumentError, ServiceError
from cleaner.pipeline import PipelineConfig, Result

__version__ = "0.1.0"

__all__ = [
    "Cleaner",
    "CleanerError",
    "ConfigError",
    "Document",
    "DocumentError",
    "Edit",
    "PipelineConfig",
    "Result",
    "ServiceError",
    "__version__",
    "clean",
]
