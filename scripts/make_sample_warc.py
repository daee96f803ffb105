"""Write ``corpus/raw/crawl/sample.warc.gz``: a small crawl for the WARC reader and the corpus run.

It holds two HTML article responses (with page chrome and a spinner phrase for the stages to
find), the request records a crawler writes, a JSON response and a redirect (both of which
cleaner must pass over). The texts were written for this project. The output is the same on
every run (fixed record ids and dates), so the manifest sees no change when it is regenerated.

    python scripts/make_sample_warc.py [OUTPUT]
"""

from __future__ import annotations

import sys
from io import BytesIO
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

DEFAULT_OUTPUT = Path(__file__).resolve().parents[1] / "corpus" / "raw" / "crawl" / "sample.warc.gz"

ARTICLES = [
    (
        "https://news.example.org/2025/04/market-hall-reopens",
        "2025-04-12T09:30:00Z",
        """<!DOCTYPE html><html><head><meta charset="utf-8"><title>Market hall reopens</title></head>
<body><nav><a href="/">Home</a> <a href="/city">City</a></nav>
<article><h1>Market hall reopens after two-year restoration</h1>
<p>The covered market hall on Weavers Row reopened on Saturday after a two-year restoration that
replaced its cast-iron roof and uncovered tiled floors hidden under layers of concrete.</p>
<p>Advertisement</p>
<p>Thirty-two traders have taken stalls, among them a cheesemaker, two bakers and a stand selling
repaired bicycles, the city's markets office said.</p>
<p>Stallholders will pay reduced rent for the rest of this 12 months while the hall builds up its
trade, a spokesperson for the office said.</p>
<p>Sign up for our newsletter</p>
<p>The hall is open from Tuesday to Sunday, from 8 a.m. until 6 p.m.</p></article>
<footer>&copy; 2025 Example News</footer></body></html>""",
    ),
    (
        "https://news.example.org/2025/05/school-garden",
        "2025-05-03T14:05:00Z",
        """<!DOCTYPE html><html><head><meta charset="utf-8"><title>School garden</title></head>
<body><header><a href="/subscribe">Subscribe</a></header>
<article><h1>Pupils turn car park into a school garden</h1>
<p>Pupils at Alder Street primary school have turned a corner of their car park into a vegetable
garden, with raised beds built from reclaimed timber.</p>
<p>Story continues below advertisement</p>
<p>The head teacher said the garden had produced more than forty kilograms of potatoes, beans and
squash in its first season, most of it served in the school canteen.</p>
<p>Parents and neighbours help water the beds during the holidays.</p></article>
<footer>Follow us on Facebook and Instagram.</footer></body></html>""",
    ),
]


def _record_id(number: int) -> str:
    return f"<urn:uuid:00000000-0000-4000-8000-{number:012d}>"


def write_sample(output: Path) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        number = 0

        def add(uri: str, date: str, rec_type: str, payload: bytes, http: StatusAndHeaders) -> None:
            nonlocal number
            number += 1
            headers = {"WARC-Date": date, "WARC-Record-ID": _record_id(number)}
            record = writer.create_warc_record(
                uri, rec_type, payload=BytesIO(payload), http_headers=http, warc_headers_dict=headers
            )
            writer.write_record(record)

        for uri, date, page in ARTICLES:
            request = StatusAndHeaders("GET / HTTP/1.1", [("Host", "news.example.org")], is_http_request=True)
            add(uri, date, "request", b"", request)
            body = page.encode("utf-8")
            http = StatusAndHeaders(
                "200 OK",
                [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))],
                protocol="HTTP/1.1",
            )
            add(uri, date, "response", body, http)
        data = b'{"status": "ok"}'
        add(
            "https://news.example.org/api/status",
            "2025-05-03T14:06:00Z",
            "response",
            data,
            StatusAndHeaders("200 OK", [("Content-Type", "application/json")], protocol="HTTP/1.1"),
        )
        add(
            "https://news.example.org/old-page",
            "2025-05-03T14:07:00Z",
            "response",
            b"<html><body>Moved</body></html>",
            StatusAndHeaders(
                "301 Moved Permanently",
                [("Content-Type", "text/html"), ("Location", "https://news.example.org/")],
                protocol="HTTP/1.1",
            ),
        )


if __name__ == "__main__":
    write_sample(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUTPUT)
