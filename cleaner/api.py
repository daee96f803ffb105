"""The library API: ``clean(text)`` for one-off use, :class:`Cleaner` for anything repeated."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from cleaner.document import Document
from cleaner.errors import DocumentError
from cleaner.pipeline import Pipeline, PipelineConfig, Result


class Cleaner:
    """A built pipeline. Building loads and compiles the rules once; cleaning is then cheap.

    >>> cleaner = Cleaner.from_config(skip=["grammar"])
    >>> cleaner.clean("Story continues below advertisement\\n\\nThe vote passed.").text
    'The vote passed.\\n'
    """

    def __init__(self, config: PipelineConfig) -> None:
        self.config = config
        self.pipeline = Pipeline(config)

    @classmethod
    def from_config(
        cls,
        path: str | Path | None = None,
        *,
        skip: Iterable[str] = (),
        rules_dir: str | Path | None = None,
        languagetool_url: str | None = None,
        max_bytes: int | None = None,
    ) -> Cleaner:
        """Build from a pipeline file (the default one when ``path`` is None)."""
        config = PipelineConfig.load(Path(path) if path else None).without(skip)
        config = config.with_overrides(
            rules_dir=Path(rules_dir) if rules_dir else None,
            languagetool_url=languagetool_url,
            max_bytes=max_bytes,
        )
        return cls(config)

    def clean(self, text: str | bytes, metadata: Mapping[str, Any] | None = None) -> Result:
        """Clean one document given as text (or as raw bytes, which are decoded first)."""
        if isinstance(text, bytes):
            return self.pipeline.clean_bytes(text, metadata)
        return self.pipeline.clean_text(text, metadata)

    def clean_documents(
        self, documents: Iterable[str | Mapping[str, Any]], text_field: str = "text"
    ) -> Iterator[Result | DocumentError]:
        """Clean a stream lazily, one result per input, in order.

        Inputs are texts or mappings with a ``text_field``; the other fields become metadata.
        A document that cannot be cleaned yields its :class:`DocumentError` instead of
        stopping the stream.
        """
        for item in documents:
            if isinstance(item, str):
                text, metadata = item, {}
            else:
                metadata = {k: v for k, v in item.items() if k != text_field}
                text = item.get(text_field, "")
                if not isinstance(text, str):
                    yield DocumentError(f"field {text_field!r} is missing or not a string")
                    continue
            try:
                yield self.pipeline.run(Document(text=text, metadata=metadata))
            except DocumentError as exc:
                yield exc


def clean(text: str | bytes, *, skip: Iterable[str] = (), **metadata: Any) -> Result:
    """Clean one text with the default pipeline (less the ``skip`` stages).

    Builds the pipeline on every call: use :class:`Cleaner` to clean many documents.
    """
    return Cleaner.from_config(skip=skip).clean(text, metadata)
