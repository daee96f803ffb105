"""Ray's overhead (issue 6): the same generated corpus cleaned by the local runner and on Ray.

* documents/s of ``run_corpus`` with 2 local worker processes;
* documents/s of the same run with ``engine=RayEngine()`` on a local Ray of 2 CPUs (Ray
  started beforehand; its start-up time is reported on its own);
* documents/s of :func:`cleaner.integrations.ray.clean_dataset` on the same documents;
* the Ray/local ratios (1.0 = no overhead). Grammar is skipped: this measures the engines.

Run as a script (``python bench/bench_ray.py``) or through ``run(report)``.
"""

from __future__ import annotations

import json
import logging
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from bench_corpus import bench_config, document  # noqa: E402

from cleaner.corpus import run_corpus  # noqa: E402

DOCUMENTS = 3000
FILES = 6
CPUS = 2


def write_corpus(folder: Path) -> list[dict[str, Any]]:
    """JSONL files of news-like documents (each file is cut into several shards)."""
    records = [{"id": n, "text": document(n)} for n in range(DOCUMENTS)]
    folder.mkdir(parents=True)
    per_file = DOCUMENTS // FILES
    for index in range(FILES):
        part = records[index * per_file : (index + 1) * per_file]
        with (folder / f"part-{index}.jsonl").open("w", encoding="utf-8") as handle:
            handle.writelines(json.dumps(r) + "\n" for r in part)
    return records


def run(report: dict[str, Any]) -> None:
    import ray

    from cleaner.integrations.ray import RayEngine, clean_dataset

    section: dict[str, Any] = {}
    config = bench_config()
    with tempfile.TemporaryDirectory(prefix="cleaner-bench-ray-") as tmp:
        work = Path(tmp)
        records = write_corpus(work / "in")

        started = time.perf_counter()
        summary = run_corpus(work / "in", work / "local", config, jobs=CPUS)
        local_s = time.perf_counter() - started
        assert summary.counts.documents == DOCUMENTS and summary.ok

        ray_tmp = tempfile.mkdtemp(prefix="ray", dir="/tmp")  # short: Ray's socket paths
        try:
            started = time.perf_counter()
            ray.init(
                address="local",
                num_cpus=CPUS,
                include_dashboard=False,
                logging_level=logging.WARNING,
                _temp_dir=ray_tmp,
            )
            section["ray_start_s"] = round(time.perf_counter() - started, 2)

            started = time.perf_counter()
            summary = run_corpus(work / "in", work / "ray", config, engine=RayEngine(jobs=CPUS))
            engine_s = time.perf_counter() - started
            assert summary.counts.documents == DOCUMENTS and summary.ok
            same = all(
                (work / "local" / p.name).read_bytes() == p.read_bytes()
                for p in (work / "ray").glob("part-*.jsonl")
            )

            started = time.perf_counter()
            rows = clean_dataset(
                ray.data.from_items(records), config, concurrency=CPUS
            ).materialize()
            assert rows.count() == DOCUMENTS
            dataset_s = time.perf_counter() - started
        finally:
            ray.shutdown()
            shutil.rmtree(ray_tmp, ignore_errors=True)

    local_rate, engine_rate, dataset_rate = (
        DOCUMENTS / local_s,
        DOCUMENTS / engine_s,
        DOCUMENTS / dataset_s,
    )
    section.update(
        {
            "documents": DOCUMENTS,
            "cpus": CPUS,
            "stages": ",".join(config.stages),
            "local_runner_docs_per_s": round(local_rate, 1),
            "ray_engine_docs_per_s": round(engine_rate, 1),
            "ray_engine_over_local": round(engine_rate / local_rate, 2),
            "clean_dataset_docs_per_s": round(dataset_rate, 1),
            "clean_dataset_over_local": round(dataset_rate / local_rate, 2),
            "ray_engine_outputs_identical": same,
        }
    )
    report["ray"] = section


if __name__ == "__main__":
    results: dict[str, Any] = {}
    run(results)
    for key, value in results["ray"].items():
        print(f"{key:<30}  {value}")
