"""The library API: ``clean(text)`` for one-off use, :class:`Cleaner` for anything repeated."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from cleaner.document import Document
from cleaner.errors import ConfigError, DocumentError
from cleaner.pipeline import Pipeline, PipelineConfig, Result


class Cleaner:
    """A built pipeline. Building loads and compiles the rules once; cleaning is then cheap.

    >>> cleaner = Cleaner.from_config(skip=["grammar"])
    >>> cleaner.clean("Story continues below advertisement\\n\\nThe vote passed.").text
    'The vote passed.'
    """

    def __init__(self, config: PipelineConfig) -> None:
        self.config = config
        self.pipeline = Pipeline(config)

    @classmethod
    def from_config(
        cls,
        path: str | Path | None = None,
        *,
        skip: str | Iterable[str] = (),
        rules_dir: str | Path | None = None,
        languagetool_url: str | None = None,
        max_bytes: int | None = None,
    ) -> Cleaner:
        """Build from a pipeline file (the default one when ``path`` is None).

        ``skip`` names stages to leave out (a list, or one string: ``"grammar"`` or
        ``"grammar,repair"``). Raises :class:`~cleaner.errors.ConfigError` for an unusable
        file, stage name or setting.
        """
        if max_bytes is not None and (
            isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 1
        ):
            raise ConfigError(f"max_bytes must be a positive number of bytes, not {max_bytes!r}")
        config = PipelineConfig.load(Path(path) if path else None).without(_stage_names(skip))
        config = config.with_overrides(
            rules_dir=Path(rules_dir) if rules_dir else None,
            languagetool_url=languagetool_url,
            max_bytes=max_bytes,
        )
        return cls(config)

    def clean(self, text: str | bytes, metadata: Mapping[str, Any] | None = None) -> Result:
        """Clean one document given as text (or as raw bytes, which are decoded first).

        Raises :class:`~cleaner.errors.DocumentError` for a document that cannot be cleaned
        (binary, undecodable, too large, over the time limit) and
        :class:`~cleaner.errors.ServiceError` when LanguageTool is needed but unavailable.
        """
        if not isinstance(text, (str, bytes)):
            raise TypeError(f"a document is text (str) or bytes, not {type(text).__name__}")
        if isinstance(text, bytes):
            return self.pipeline.clean_bytes(text, metadata)
        return self.pipeline.clean_text(text, metadata)

    def clean_documents(
        self, documents: Iterable[str | bytes | Mapping[str, Any]], text_field: str = "text"
    ) -> Iterator[Result | DocumentError]:
        """Clean a stream lazily, one result per input, in order.

        Inputs are texts, bytes (decoded first) or mappings with a ``text_field``; the
        other fields become metadata. A document that cannot be cleaned (a mapping without
        the field, an item of another type, binary bytes...) yields its
        :class:`DocumentError` instead of stopping the stream.
        """
        for number, item in enumerate(documents, start=1):
            try:
                if isinstance(item, (str, bytes)):
                    yield self.clean(item)
                elif isinstance(item, Mapping):
                    text = item.get(text_field)
                    if not isinstance(text, str):
                        found = "absent" if text is None else type(text).__name__
                        yield DocumentError(
                            f"document {number}: field {text_field!r} is missing or not a "
                            f"string (here: {found})"
                        )
                        continue
                    metadata = {k: v for k, v in item.items() if k != text_field}
                    yield self.pipeline.run(Document(text=text, metadata=metadata))
                else:
                    yield DocumentError(
                        f"document {number} is {_kind_of(item)}, not text, bytes "
                        "or a mapping"
                    )
            except DocumentError as exc:
                yield exc


def _kind_of(item: object) -> str:
    """What ``item`` is, in words: "None", "an int", "a list" (it said "a int", "a NoneType")."""
    if item is None:
        return "None"
    name = type(item).__name__
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


def _stage_names(skip: str | Iterable[str]) -> list[str]:
    """A string is one stage or a comma-separated list, as on the command line (iterated, a
    string would skip stages named by its letters)."""
    if isinstance(skip, str):
        return [name.strip() for name in skip.split(",") if name.strip()]
    return list(skip)


def clean(
    text: str | bytes,
    *,
    skip: str | Iterable[str] = (),
    rules_dir: str | Path | None = None,
    languagetool_url: str | None = None,
    max_bytes: int | None = None,
    **metadata: Any,
) -> Result:
    """Clean one text with the default pipeline (less the ``skip`` stages); ``rules_dir``,
    ``languagetool_url`` and ``max_bytes`` as :meth:`Cleaner.from_config` takes them. Other
    keywords are the document's metadata (``format="html"``). The three settings were taken
    as metadata too, so ``languagetool_url=`` (which the README documents) was silently
    ignored and the background server used instead.

    Builds the pipeline on every call: use :class:`Cleaner` to clean many documents.
    """
    built = Cleaner.from_config(
        skip=skip, rules_dir=rules_dir, languagetool_url=languagetool_url, max_bytes=max_bytes
    )
    return built.clean(text, metadata)
