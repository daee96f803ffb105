"""Ray Data adapter (extra ``cleaner[ray]``): :func:`clean_dataset` cleans the text column of a
:class:`ray.data.Dataset` with a class-based ``map_batches``: each Ray worker builds its pipeline
(rules compiled, LanguageTool reached) once, then cleans batch after batch. Output rows keep
every column, the text column cleaned, plus the flat ``cleaner_*`` columns of
:mod:`cleaner.integrations`. A document that cannot be cleaned keeps its text and gets
``cleaner_error``; the job goes on.

Ray is imported when this is used, never when cleaner is imported.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from cleaner.errors import ConfigError
from cleaner.integrations import (
    FLOAT_FIELDS,
    INT_FIELDS,
    STR_FIELDS,
    build_cleaner,
    clean_one,
    flat_fields,
    record_metadata,
    require,
)
from cleaner.pipeline import PipelineConfig

if TYPE_CHECKING:
    import ray.data

PROGRESS_TIMEOUT_S = 600.0
"""clean_dataset's default: far above the minute a batch of long documents with grammar takes
on a busy worker, far below the hours a job can otherwise hang unnoticed."""
DEFAULT_BATCH_SIZE = 64
"""Rows per ``map_batches`` call: news articles are ~5 kB, so a batch is a few hundred kB,
large enough to hide Ray's per-batch cost, small enough to spread a modest dataset."""


def ray_module() -> ModuleType:
    return require("ray", "ray", "the Ray engine")


class CleanBatch:
    """The ``map_batches`` callable: built once per Ray worker, then called per batch."""

    def __init__(
        self,
        config: str | Path | PipelineConfig | None,
        skip: tuple[str, ...],
        text_field: str,
        languagetool_url: str | None,
    ) -> None:
        self.text_field = text_field
        self.pipeline = build_cleaner(config, skip, languagetool_url).pipeline

    def __call__(self, batch: Any) -> Any:
        """A ``pyarrow.Table`` in, the same rows cleaned out."""
        pa = require("pyarrow", "ray", "clean_dataset")  # installed with ray[data]
        rows = batch.to_pylist()
        texts: list[Any] = []
        fields: dict[str, list[Any]] = {
            name: [] for name in (*INT_FIELDS, *FLOAT_FIELDS, *STR_FIELDS)
        }
        for number, row in enumerate(rows):
            source = str(row["id"]) if row.get("id") is not None else f"row {number}"
            original = row.get(self.text_field)
            metadata = record_metadata(row, self.text_field, source)
            outcome = clean_one(self.pipeline, original, metadata)
            texts.append(original if isinstance(outcome, Exception) else outcome.text)
            for name, value in flat_fields(outcome).items():
                fields[name].append(value)
        # Input columns pass through untouched (same types); cleaner's columns get fixed types
        # so every batch has one schema, even a batch where every spin score is None.
        table = batch.drop_columns([name for name in fields if name in batch.column_names])
        index = (
            table.column_names.index(self.text_field)
            if self.text_field in table.column_names
            else -1
        )
        text_column = pa.array(texts, pa.string())
        if index >= 0:
            table = table.set_column(index, self.text_field, text_column)
        else:
            table = table.append_column(self.text_field, text_column)
        for name in INT_FIELDS:
            table = table.append_column(name, pa.array(fields[name], pa.int64()))
        for name in FLOAT_FIELDS:
            table = table.append_column(name, pa.array(fields[name], pa.float64()))
        for name in STR_FIELDS:
            table = table.append_column(name, pa.array(fields[name], pa.string()))
        return table


def clean_dataset(
    ds: ray.data.Dataset,
    config: str | Path | PipelineConfig | None = None,
    *,
    skip: Iterable[str] = (),
    text_field: str = "text",
    languagetool_url: str | None = None,
    concurrency: int | tuple[int, int] | None = None,
    num_cpus: float = 1.0,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress_timeout_s: float | None = PROGRESS_TIMEOUT_S,
) -> ray.data.Dataset:
    """``ds`` with its ``text_field`` cleaned and the ``cleaner_*`` columns added (lazy, as
    every Ray Data transform).

    ``config``: a pipeline file, a :class:`PipelineConfig`, or None for the default pipeline.
    ``languagetool_url``: the LanguageTool server each worker uses; ``http://127.0.0.1:8081``
    with one server per node on that port gives every worker its own node's server. Without it
    a worker uses ``$CLEANER_LANGUAGETOOL_URL`` or the background server of its node.
    ``concurrency``: workers (an int) or a (min, max) range. Default: from 1 up to as many as
    leave one CPU of the cluster free, for the tasks that read ``ds`` (a pool that holds every
    CPU leaves them none, and the job waits forever; you get a warning if you ask for one).
    ``num_cpus``: CPUs reserved per worker; a fraction (0.5) packs more workers on a node.
    ``progress_timeout_s``: the job fails with Ray Data's ``ExecutionTimeoutError``, naming the
    operators that are stuck, when no block has moved for this long (a lost node whose work
    cannot be rebuilt, a cluster with no CPU left); None keeps the dataset's own setting.
    """
    ray_data = require("ray.data", "ray", "clean_dataset")
    if num_cpus <= 0:
        raise ConfigError(f"num_cpus must be more than 0, not {num_cpus}")
    cpus = cluster_cpus()
    low, high = pool_size(concurrency, num_cpus, cpus)
    if cpus is not None and high is not None and high * num_cpus >= cpus:
        warnings.warn(
            f"clean_dataset: {high} workers of {num_cpus:g} CPU take all {cpus:g} CPUs of the "
            "cluster, which leaves none for reading the dataset: the job can wait forever "
            f"(until progress_timeout_s). Use concurrency=(1, {max(1, high - 1)}) or a "
            "smaller num_cpus.",
            RuntimeWarning,
            stacklevel=2,
        )
    compute = ray_data.ActorPoolStrategy(min_size=low, max_size=high)
    # A wrong stage name or an unreadable pipeline file fails here, not in every worker.
    if isinstance(config, PipelineConfig):
        config.without(skip)
    else:
        PipelineConfig.load(Path(config) if config else None).without(skip)
    result: ray.data.Dataset = ds.map_batches(
        CleanBatch,
        fn_constructor_kwargs={
            "config": config,
            "skip": tuple(skip),
            "text_field": text_field,
            "languagetool_url": languagetool_url,
        },
        batch_format="pyarrow",
        batch_size=batch_size,
        compute=compute,
        num_cpus=num_cpus,
    )
    if progress_timeout_s is not None:
        if progress_timeout_s <= 0:
            raise ConfigError(f"progress_timeout_s must be more than 0, not {progress_timeout_s}")
        if hasattr(result.context, "execution_no_progress_timeout_s"):
            result.context.execution_no_progress_timeout_s = progress_timeout_s
        else:  # an older Ray: it has no such guard
            warnings.warn(
                "clean_dataset: this Ray has no progress timeout (Ray Data's "
                "execution_no_progress_timeout_s); a lost node can stop the job without an error",
                RuntimeWarning,
                stacklevel=2,
            )
    return result


def cluster_cpus() -> float | None:
    """The CPUs of the Ray this process is connected to (None: not connected yet; Ray Data
    connects when the job runs)."""
    ray = ray_module()
    if not ray.is_initialized():
        return None
    cpus = float(ray.cluster_resources().get("CPU", 0))
    return cpus or None


def pool_size(
    concurrency: int | tuple[int, int] | None, num_cpus: float, cpus: float | None
) -> tuple[int, int | None]:
    """The (min, max) workers of the pool; max None lets Ray Data decide."""
    if isinstance(concurrency, int):
        return concurrency, concurrency
    if concurrency is not None:
        return concurrency
    if cpus is None:
        return 1, None
    # One CPU left for the read tasks (half of it on a cluster of one CPU or less).
    spare = cpus - min(1.0, cpus / 2)
    return 1, max(1, int(spare // num_cpus))
