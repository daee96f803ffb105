#!/usr/bin/env python3
"""Dump what the pipeline does to a fixed set of documents, for before/after comparisons.

For every AEB page (HTML), every AEB gold body (as plain text), every shared sample and spun
development page, and every file of ``corpus/raw``, one JSON line holds the output text, the
metadata and the edit log. Two dumps that are byte-identical mean a change kept behaviour.

    python scripts/dump_behaviour.py > /tmp/before.jsonl      # on the old code
    python scripts/dump_behaviour.py > /tmp/after.jsonl       # on the new code
    cmp /tmp/before.jsonl /tmp/after.jsonl

Grammar is skipped by default (it needs a LanguageTool server and is slow); ``--skip ''``
runs every stage.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def documents() -> Iterator[tuple[str, bytes]]:
    aeb = SHARED / "bench" / "aeb"
    for page in sorted((aeb / "html").glob("*.html.gz")):
        yield f"aeb-html/{page.name}", gzip.decompress(page.read_bytes())
    truth = json.loads((aeb / "ground-truth.json").read_text(encoding="utf-8"))
    for key in sorted(truth):
        body = truth[key].get("articleBody") or ""
        yield f"aeb-body/{key}", body.encode("utf-8")
    for folder in (SHARED / "samples", SHARED / "samples" / "spun", SHARED / "data" / "spun-dev" / "pages"):
        for path in sorted(folder.glob("*.txt")):
            if path.name != "README.md":
                yield f"{folder.relative_to(SHARED)}/{path.name}", path.read_bytes()
    raw = REPO / "corpus" / "raw"
    for path in sorted(p for p in raw.rglob("*") if p.is_file()):
        yield f"corpus/{path.relative_to(raw)}", path.read_bytes()


def jsonable(value: Any) -> Any:
    if isinstance(value, dict) or hasattr(value, "items"):
        return {str(k): jsonable(v) for k, v in sorted(value.items())}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return repr(value)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip", default="grammar", help="comma-separated stages to skip")
    args = parser.parse_args()
    from cleaner import Cleaner
    from cleaner.errors import DocumentError

    skip = [s for s in args.skip.split(",") if s]
    cleaner = Cleaner.from_config(skip=skip)
    out = sys.stdout
    for name, raw in documents():
        if name.startswith("corpus/") and not name.endswith((".txt", ".html")):
            continue  # JSONL and WARC inputs are the corpus runner's; compared by its tests
        try:
            result = cleaner.clean(raw, {"source": name})
        except DocumentError as exc:
            record: dict[str, Any] = {"name": name, "error": str(exc)}
        else:
            record = {
                "name": name,
                "text": result.text,
                "metadata": jsonable(result.metadata),
                "edits": [edit.to_dict() for edit in result.edits],
            }
        out.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
