"""A datatrove pipeline step (extra ``cleaner[datatrove]``): clean ``doc.text`` in place.

>>> from datatrove.executor import LocalPipelineExecutor
>>> from datatrove.pipeline.readers import JsonlReader
>>> from datatrove.pipeline.writers import JsonlWriter
>>> from cleaner.integrations.datatrove import CleanerStep
>>> LocalPipelineExecutor(
...     [JsonlReader("raw/"), CleanerStep(skip=["grammar"]), JsonlWriter("clean/")], tasks=4
... ).run()  # doctest: +SKIP

The step works with every datatrove executor (local, Slurm, Ray): it holds only its settings,
and each task builds its pipeline once when it starts. The edit counts and spin score go into
``doc.metadata`` under the ``cleaner_*`` names of :mod:`cleaner.integrations` (fields whose
value is None, such as the spin scores when the repair stage is skipped, are left out).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from cleaner.errors import DocumentError
from cleaner.integrations import FIELDS, build_cleaner, clean_one, flat_fields, require

require("datatrove", "datatrove", "cleaner.integrations.datatrove")

from datatrove.data import Document, DocumentsPipeline  # noqa: E402
from datatrove.pipeline.base import PipelineStep  # noqa: E402

from cleaner.pipeline import Pipeline, PipelineConfig  # noqa: E402


class CleanerStep(PipelineStep):  # type: ignore[misc]  # datatrove ships no type information
    """Clean each document's text with cleaner's pipeline.

    ``config``: a pipeline file, a :class:`PipelineConfig`, or None for the default pipeline.
    ``skip``: stages to leave out (``["grammar"]`` needs no LanguageTool).
    ``languagetool_url``: the server this step's tasks use; without it a task uses
    ``$CLEANER_LANGUAGETOOL_URL`` or its node's background server (``cleaner languagetool start``).
    ``drop_failed``: drop documents that cannot be cleaned instead of passing them on
    unchanged with ``cleaner_error`` in their metadata.
    """

    name = "🧹 cleaner"
    type = "✂️ - FORMAT"

    def __init__(
        self,
        config: str | Path | PipelineConfig | None = None,
        *,
        skip: Iterable[str] = (),
        languagetool_url: str | None = None,
        drop_failed: bool = False,
    ) -> None:
        super().__init__()
        self.config = config
        self.skip = tuple(skip)
        self.languagetool_url = languagetool_url
        self.drop_failed = drop_failed
        # Fail at construction, in the process that builds the pipeline of steps, rather than
        # in every task: a wrong stage name or an unreadable pipeline file.
        build_cleaner(config, self.skip, languagetool_url)

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        pipeline = build_cleaner(self.config, self.skip, self.languagetool_url).pipeline
        yield from self._clean(pipeline, data)

    def _clean(self, pipeline: Pipeline, data: Iterable[Document]) -> Iterator[Document]:
        for doc in data:
            self.stat_update("total")
            metadata = {k: v for k, v in doc.metadata.items() if k not in FIELDS}
            metadata.setdefault("id", doc.id)
            metadata.setdefault("source", str(doc.id))
            with self.track_time():
                outcome = clean_one(pipeline, doc.text, metadata)
            fields = flat_fields(outcome)
            if isinstance(outcome, DocumentError):
                self.stat_update("failed")
                if self.drop_failed:
                    continue
            else:
                doc.text = outcome.text
                self.stat_update("cleaned")
                self.stat_update("edits", value=fields["cleaner_edits"])
            for key in FIELDS:
                doc.metadata.pop(key, None)  # a rerun replaces the fields of the last one
            doc.metadata.update({k: v for k, v in fields.items() if v is not None})
            self.update_doc_stats(doc)
            yield doc


__all__ = ["CleanerStep"]
