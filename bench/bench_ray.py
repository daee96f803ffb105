"""Ray's overhead (issues 6 and 18): the same generated corpus cleaned by the local runner and
on Ray, and where Ray's extra time goes.

* documents/s of ``run_corpus`` with 2 local worker processes;
* documents/s of the same run with ``engine=RayEngine()`` on a local Ray of 2 CPUs, and of
  :func:`cleaner.integrations.ray.clean_dataset` on the same documents;
* the Ray/local ratios (1.0 = no overhead), with and without starting Ray;
* where the time goes: ``import ray.data`` in a fresh interpreter, ``ray.init``, one worker's
  start (process, imports, pipeline build), and the per-document cost once workers run.
  Grammar is skipped: this measures the engines.

Run as a script (``python bench/bench_ray.py``) or through ``run(report)``.
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
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


def _import_seconds() -> float:
    """``import ray.data`` in a fresh interpreter: what every driver and worker pays once."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import ray.data"], check=True)
    return time.perf_counter() - started


def run(report: dict[str, Any]) -> None:
    import ray

    from cleaner.integrations.ray import RayEngine, ShardWorker, clean_dataset

    section: dict[str, Any] = {}
    config = bench_config()
    section["import_ray_data_s"] = round(_import_seconds(), 2)
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
            start_s = time.perf_counter() - started

            started = time.perf_counter()
            worker = ray.remote(num_cpus=1)(ShardWorker).remote(config)
            ray.get(worker.where.remote())
            worker_start_s = time.perf_counter() - started
            ray.kill(worker)

            started = time.perf_counter()
            summary = run_corpus(work / "in", work / "ray", config, engine=RayEngine(jobs=CPUS))
            engine_s = time.perf_counter() - started
            assert summary.counts.documents == DOCUMENTS and summary.ok
            same = all(
                (work / "local" / p.name).read_bytes() == p.read_bytes()
                for p in (work / "ray").glob("part-*.jsonl")
            )

            started = time.perf_counter()
            rows = clean_dataset(ray.data.from_items(records), config).materialize()
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
    # Per document and worker, once the workers run: the run less one worker's start.
    local_ms = local_s * CPUS / DOCUMENTS * 1000
    engine_ms = max(engine_s - worker_start_s, 0.0) * CPUS / DOCUMENTS * 1000
    section.update(
        {
            "documents": DOCUMENTS,
            "cpus": CPUS,
            "stages": ",".join(config.stages),
            "local_runner_docs_per_s": round(local_rate, 1),
            "ray_engine_docs_per_s": round(engine_rate, 1),
            "ray_engine_over_local": round(engine_rate / local_rate, 2),
            "ray_engine_with_ray_start_over_local": round(local_s / (engine_s + start_s), 2),
            "clean_dataset_docs_per_s": round(dataset_rate, 1),
            "clean_dataset_over_local": round(dataset_rate / local_rate, 2),
            "ray_init_s": round(start_s, 2),
            "ray_worker_start_s": round(worker_start_s, 2),
            "local_ms_per_doc_per_worker": round(local_ms, 2),
            "ray_engine_ms_per_doc_per_worker": round(engine_ms, 2),
            "ray_engine_outputs_identical": same,
        }
    )
    report["ray"] = section


if __name__ == "__main__":
    results: dict[str, Any] = {}
    run(results)
    for key, value in results["ray"].items():
        print(f"{key:<30}  {value}")
