"""``report.html``: a self-contained page to review what a corpus run did.

The page lists every document with its counts and shows, for the first documents, the clean
text with what was removed struck through and what was replaced highlighted (the original on
hover), filterable by stage and rule id. It needs no network: style and script are inline.

The page is built from ``_audit.jsonl`` and the outputs. Each audit line carries a ``view``:
the document's edits mapped onto the *final* text as ``[pos, length, stage, rule_id, before]``
(``final[pos:pos+length]`` replaced ``before``; length 0 is a removal), computed by
:func:`final_spans` when the document is cleaned, so the report never needs the input again.
"""

from __future__ import annotations

import gzip
import html
import json
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from cleaner.document import Edit
from cleaner.pipeline import Result

HIDDEN_STAGES = frozenset({"decode", "extract"})
"""Their edits are the whole input (bytes -> text, HTML -> text): nothing to show inline."""

MAX_BEFORE_CHARS = 3000
"""Removed text kept for the view; a removed comment section can be longer than the article."""

MAX_ROWS = 20_000
"""Rows in the table: beyond this the page gets slow to open; _audit.jsonl has them all."""

View = list[list[Any]]


def final_spans(result: Result) -> View:
    """Every shown edit as ``[pos, length, stage, rule_id, before]`` in the final text.

    Edits are replayed stage by stage: earlier spans move with later edits, and a span that a
    later edit rewrites is folded into that edit (its ``before`` already holds the text).
    """
    spans: View = []
    for stage, edits in _by_stage(result.edits):
        spans = _apply_stage(spans, stage, edits)
    return spans


def _by_stage(edits: tuple[Edit, ...]) -> Iterator[tuple[str, list[Edit]]]:
    group: list[Edit] = []
    for edit in edits:
        if not edit.applied or edit.stage in HIDDEN_STAGES:
            continue
        if group and group[0].stage != edit.stage:
            yield group[0].stage, group
            group = []
        group.append(edit)
    if group:
        yield group[0].stage, group


def _shorten(text: str) -> str:
    return text if len(text) <= MAX_BEFORE_CHARS else text[:MAX_BEFORE_CHARS] + "…"


def _apply_stage(spans: View, stage: str, edits: list[Edit]) -> View:
    edits = sorted(edits, key=lambda e: (e.start, e.end))
    starts: list[int] = []  # where each edit's text begins in this stage's output
    delta = 0
    for edit in edits:
        starts.append(edit.start + delta)
        delta += len(edit.after) - (edit.end - edit.start)
    folds: dict[int, list[tuple[int, int, str]]] = {}
    placed: list[tuple[int, int, int, list[Any]]] = []  # (position, tier, order, span)
    index, delta = 0, 0
    for order, span in enumerate(spans):
        pos, length = int(span[0]), int(span[1])
        while index < len(edits) and edits[index].end <= pos:
            delta += len(edits[index].after) - (edits[index].end - edits[index].start)
            index += 1
        current = edits[index] if index < len(edits) else None
        if current is not None and length and current.start < pos + length and current.end > pos:
            if current.start <= pos and pos + length <= current.end:
                # Rewritten again: the later edit's "before" gets the original text back.
                folds.setdefault(index, []).append((pos - current.start, length, str(span[4])))
            continue
        if current is not None and not length and current.start < pos < current.end:
            # Removed text inside what a later edit rewrote (blank lines left by a removed
            # line, collapsed by tidy): keep showing it, beside that current.
            after_it = (pos - current.start) * 2 >= current.end - current.start
            where = starts[index] + (len(current.after) if after_it else 0)
            placed.append((where, 2 if after_it else 0, order, [where, *span[1:]]))
            continue
        # Right after an edit that ends where it starts, a span comes after that edit's span.
        touching = index > 0 and edits[index - 1].end == pos
        placed.append((pos + delta, 2 if touching else 0, order, [pos + delta, *span[1:]]))
    for number, edit in enumerate(edits):
        before = edit.before
        for offset, length, original in sorted(folds.get(number, []), reverse=True):
            before = before[:offset] + original + before[offset + length :]
        span = [starts[number], len(edit.after), stage, edit.rule_id, _shorten(before)]
        placed.append((starts[number], 1, number, span))
    # At one position: text removed earlier, then this stage's edit, then removals moved after it.
    return [item[3] for item in sorted(placed, key=lambda t: (t[0], t[1], t[2]))]


# --- the page -------------------------------------------------------------------------------


@dataclass
class _Row:
    number: int
    doc_id: str
    source: str
    output: str
    chars_out: int
    chrome: int
    counts: dict[str, int]
    spin: str
    rules: list[str]
    stages: list[str]
    shown: bool


@dataclass
class _Totals:
    documents: int = 0
    edits_by_stage: dict[str, int] = field(default_factory=dict)
    rules: dict[str, int] = field(default_factory=dict)
    chrome_lines: int = 0


class _OutputReader:
    """Final texts from the outputs, read forward once (audit lines come in output order)."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.current: str | None = None
        self.handle: IO[bytes] | None = None
        self.line = 0

    def text(self, record: dict[str, Any]) -> str | None:
        output = str(record.get("output", ""))
        path = self.out_dir / output
        wanted = record.get("output_line")
        try:
            if wanted is None:
                return path.read_text(encoding="utf-8")
            if output != self.current or int(wanted) <= self.line:
                self.close()
                opener: Any = gzip.open if output.lower().endswith(".gz") else open
                self.handle = opener(path, "rb")
                self.current, self.line = output, 0
            assert self.handle is not None
            for raw in self.handle:
                self.line += 1
                if self.line == int(wanted):
                    data = json.loads(raw)
                    value = data.get(str(record.get("text_field", "text")))
                    return value if isinstance(value, str) else None
        except (OSError, ValueError):
            return None
        return None

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()
        self.handle, self.current, self.line = None, None, 0


def _render_text(text: str, view: View) -> str:
    pieces: list[str] = []
    cursor = 0
    for pos, length, stage, rule, before in view:
        pos, length = int(pos), int(length)
        if pos < cursor or pos + length > len(text):
            continue  # a view that does not fit this text (edited by hand?): skip the mark
        pieces.append(html.escape(text[cursor:pos]))
        attrs = (
            f'class="edit" data-stage="{html.escape(str(stage))}" '
            f'data-rule="{html.escape(str(rule))}"'
        )
        if length == 0:
            title = f"{stage} · {rule}: removed"
            pieces.append(f'<del {attrs} title="{html.escape(title)}">{html.escape(before)}</del>')
        else:
            after = text[pos : pos + length]
            title = f"{stage} · {rule}: {before!r} → {after!r}"
            pieces.append(
                f'<mark {attrs} data-before="{html.escape(before)}" title="{html.escape(title)}">'
                f"{html.escape(after)}</mark>"
            )
        cursor = pos + length
    pieces.append(html.escape(text[cursor:]))
    return "".join(pieces)


def _spin(record: dict[str, Any]) -> str:
    spin = record.get("spin_score")
    if isinstance(spin, dict) and spin.get("before") is not None:
        return f"{spin.get('before')} → {spin.get('after')}"
    return ""


def write_report(audit_path: Path, out_dir: Path, report_path: Path, max_documents: int = 200) -> None:
    """Write ``report_path`` from ``audit_path``; texts are shown for the first
    ``max_documents`` documents, counts for every document (up to :data:`MAX_ROWS`).

    Memory stays flat in corpus size: table rows go to a spooled temporary file as they are
    made (the filter lists, which come first on the page, need the whole audit first).
    """
    from cleaner.corpus import _replace_with, iter_jsonl

    sections: list[str] = []
    totals = _Totals()
    reader = _OutputReader(out_dir)
    records = iter_jsonl(audit_path) if audit_path.exists() else iter(())
    with tempfile.SpooledTemporaryFile(max_size=1 << 20) as rows:
        listed = 0
        try:
            for record in records:
                totals.documents += 1
                counts = {str(k): int(v) for k, v in (record.get("edit_counts") or {}).items()}
                for stage, count in counts.items():
                    totals.edits_by_stage[stage] = totals.edits_by_stage.get(stage, 0) + count
                view: View = [
                    s for s in record.get("view") or [] if isinstance(s, list) and len(s) == 5
                ]
                rules = sorted({str(s[3]) for s in view})
                stages = sorted({str(s[2]) for s in view})
                for rule in rules:
                    totals.rules[rule] = totals.rules.get(rule, 0) + 1
                chrome = int(record.get("chrome_lines_removed", 0) or 0)
                totals.chrome_lines += chrome
                number = totals.documents
                shown = number <= max_documents
                if shown:
                    text = reader.text(record)
                    sections.append(_section(number, record, text, view, rules, stages))
                if listed < MAX_ROWS:
                    listed += 1
                    row = _Row(
                        number=number,
                        doc_id=str(record.get("id", "")),
                        source=str(record.get("source", "")),
                        output=str(record.get("output", "")),
                        chars_out=int(record.get("chars_out", 0) or 0),
                        chrome=chrome,
                        counts=counts,
                        spin=_spin(record),
                        rules=rules,
                        stages=stages,
                        shown=shown,
                    )
                    rows.write(_row_html(row).encode("utf-8"))
        finally:
            reader.close()
        rows.seek(0)
        head, tail = _page(listed, sections, totals, max_documents).split(_ROWS_HERE)

        def fill(handle: IO[bytes]) -> None:
            handle.write(head.encode("utf-8"))
            shutil.copyfileobj(rows, handle, 1 << 20)
            handle.write(tail.encode("utf-8"))

        _replace_with(report_path, fill)


def _section(
    number: int, record: dict[str, Any], text: str | None, view: View, rules: list[str], stages: list[str]
) -> str:
    title = html.escape(str(record.get("title") or record.get("id") or ""))
    where = html.escape(f"{record.get('source', '')} → {record.get('output', '')}")
    body = (
        _render_text(text, view)
        if text is not None
        else '<span class="missing">output not found</span>'
    )
    return (
        f'<section class="doc" id="doc-{number}" data-stages="{html.escape(" ".join(stages))}" '
        f'data-rules="{html.escape(" ".join(rules))}">'
        f'<h2>{number}. {title}</h2><p class="where">{where}</p>'
        f'<pre class="text">{body}</pre></section>'
    )


_STYLE = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5rem;color:#1d1d1f;background:#fff}
h1{font-size:1.5rem;margin:0 0 .3rem}h2{font-size:1.1rem;margin:1.6rem 0 .2rem}
.summary{color:#444}.where{color:#666;font-size:.85rem;margin:0 0 .4rem}
#filters{position:sticky;top:0;background:#f4f4f6;padding:.5rem .7rem;border:1px solid #ddd;border-radius:6px;margin:.8rem 0;z-index:2}
#filters label{margin-right:1.2rem}
table{border-collapse:collapse;font-size:.9rem}th,td{border-bottom:1px solid #e3e3e3;padding:.25rem .6rem;text-align:right}
th:nth-child(2),td:nth-child(2){text-align:left;max-width:34rem;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
tbody tr:hover{background:#f7f7fa}
pre.text{white-space:pre-wrap;word-wrap:break-word;font:14px/1.5 ui-monospace,Menlo,Consolas,monospace;background:#fbfbfb;border:1px solid #e6e6e6;padding:.8rem;border-radius:6px}
del.edit{color:#a1262b;background:#fde8e8;text-decoration:line-through}
mark.edit{background:#ffe066;color:inherit;border-bottom:2px solid #e0a800;position:relative;cursor:help}
mark.edit:hover::after{content:"was: " attr(data-before);position:absolute;left:0;top:1.5em;background:#222;color:#fff;padding:.2rem .45rem;border-radius:4px;white-space:pre;font-size:.8rem;z-index:3}
.dim del.edit.off{display:none}.dim mark.edit.off{background:none;border-bottom:none}
.hidden{display:none}.missing{color:#a00}
"""

_SCRIPT = """
(function(){
  var stage=document.getElementById('stage'), rule=document.getElementById('rule');
  function has(el,attr,value){return !value||(' '+(el.getAttribute(attr)||'')+' ').indexOf(' '+value+' ')>=0;}
  function apply(){
    var s=stage.value, r=rule.value, active=!!(s||r), shown=0;
    document.querySelectorAll('tr.doc-row').forEach(function(row){
      var ok=has(row,'data-stages',s)&&has(row,'data-rules',r);
      row.classList.toggle('hidden',active&&!ok); if(ok)shown++;});
    document.querySelectorAll('section.doc').forEach(function(sec){
      var ok=has(sec,'data-stages',s)&&has(sec,'data-rules',r);
      sec.classList.toggle('hidden',active&&!ok); sec.classList.toggle('dim',active);
      sec.querySelectorAll('.edit').forEach(function(e){
        var on=(!s||e.getAttribute('data-stage')===s)&&(!r||e.getAttribute('data-rule')===r);
        e.classList.toggle('off',!on);});});
    document.getElementById('count').textContent=active?(shown+' matching documents'):'';
    var h=[];if(s)h.push('stage='+encodeURIComponent(s));if(r)h.push('rule='+encodeURIComponent(r));
    if(history.replaceState)history.replaceState(null,'',h.length?'#'+h.join('&'):location.pathname);
  }
  location.hash.replace(/^#/,'').split('&').forEach(function(p){
    var kv=p.split('='); if(kv[0]==='stage')stage.value=decodeURIComponent(kv[1]||'');
    if(kv[0]==='rule')rule.value=decodeURIComponent(kv[1]||'');});
  stage.addEventListener('change',apply); rule.addEventListener('change',apply); apply();
})();
"""

_STAGE_COLUMNS = ("unicode", "chrome", "captions", "repair", "grammar", "tidy")


_ROWS_HERE = "\0rows\0"


def _row_html(row: _Row) -> str:
    name = html.escape(row.doc_id if row.doc_id == row.source else f"{row.doc_id} ({row.source})")
    link = f'<a href="#doc-{row.number}">{name}</a>' if row.shown else name
    cells = "".join(f"<td>{row.counts.get(s, 0) or ''}</td>" for s in _STAGE_COLUMNS)
    return (
        f'<tr class="doc-row" data-stages="{html.escape(" ".join(row.stages))}" '
        f'data-rules="{html.escape(" ".join(row.rules))}"><td>{row.number}</td>'
        f'<td title="{html.escape(row.output)}">{link}</td><td>{row.chars_out}</td>'
        f"<td>{row.chrome or ''}</td>{cells}<td>{html.escape(row.spin)}</td></tr>"
    )


def _page(listed: int, sections: list[str], totals: _Totals, max_documents: int) -> str:
    stage_options = "".join(
        f'<option value="{html.escape(s)}">{html.escape(s)} ({n})</option>'
        for s, n in sorted(totals.edits_by_stage.items())
        if s not in HIDDEN_STAGES
    )
    rule_options = "".join(
        f'<option value="{html.escape(r)}">{html.escape(r)} ({n} docs)</option>'
        for r, n in sorted(totals.rules.items())
    )
    head = "".join(f"<th>{s}</th>" for s in _STAGE_COLUMNS)
    more = totals.documents - listed
    more_note = f"<p>… and {more} more documents (see _audit.jsonl).</p>" if more > 0 else ""
    text_note = (
        f"<p>Texts are shown for the first {max_documents} documents.</p>"
        if totals.documents > max_documents
        else ""
    )
    edits = sum(n for s, n in totals.edits_by_stage.items() if s not in HIDDEN_STAGES)
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>cleaner report</title><style>{_STYLE}</style></head><body>"
        "<h1>cleaner report</h1>"
        f'<p class="summary">{totals.documents} documents · {totals.chrome_lines} chrome lines '
        f"removed · {edits} edits. Struck through: removed; highlighted: replaced (hover "
        "for the original).</p>"
        '<div id="filters"><label>Stage <select id="stage"><option value="">all stages</option>'
        f'{stage_options}</select></label><label>Rule <select id="rule"><option value="">all rules'
        f'</option>{rule_options}</select></label><span id="count"></span></div>'
        '<table id="docs"><thead><tr><th>#</th><th>document</th><th>chars</th>'
        f"<th>chrome lines</th>{head}<th>spin score</th></tr></thead>"
        f"<tbody>{_ROWS_HERE}</tbody></table>{more_note}{text_note}"
        f"{''.join(sections)}<script>{_SCRIPT}</script></body></html>"
    )
