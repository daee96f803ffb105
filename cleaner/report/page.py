"""The HTML of ``report.html``: run details, failures, totals tables, the document rows and the
viewer (style and script inline, so the page needs no network)."""

from __future__ import annotations

import html
import json
from datetime import UTC, datetime
from typing import Any

from cleaner import __version__
from cleaner.report.totals import Row, Totals
from cleaner.report.view import HIDDEN_STAGES, View
from cleaner.rules.grammar import FINDINGS_HINT

DOCS_PER_CHUNK = 25
"""Documents per file under ``_report/``: the viewer loads one file when it opens a document,
so the page stays small however many texts it can show."""

MAX_FINDINGS_PER_DOCUMENT = 50

_STAGE_COLUMNS = ("unicode", "chrome", "captions", "repair", "grammar", "tidy")
ROWS_HERE = "\0rows\0"


def document_entry(number: int, record: dict[str, Any], text: str | None, view: View) -> dict[str, Any]:
    findings = [
        [str(e.get("rule_id", "")), str(e.get("before", "")), str(e.get("after", "")),
         str(e.get("message", ""))]
        for e in record.get("edits") or []
        if isinstance(e, dict) and e.get("applied") is False
    ]  # fmt: skip
    return {
        "n": number,
        "title": str(record.get("title") or record.get("id") or ""),
        "where": f"{record.get('source', '')} → {record.get('output', '')}",
        "text": text,
        "view": view,
        "findings": findings[:MAX_FINDINGS_PER_DOCUMENT],
        "more_findings": max(0, len(findings) - MAX_FINDINGS_PER_DOCUMENT),
    }


def spin_text(record: dict[str, Any]) -> str:
    spin = record.get("spin_score")
    if isinstance(spin, dict) and spin.get("before") is not None:
        return f"{spin.get('before')} → {spin.get('after')}"
    return ""


def row_html(row: Row) -> str:
    name = html.escape(row.doc_id if row.doc_id == row.source else f"{row.doc_id} ({row.source})")
    link = f'<a href="#doc={row.number}">{name}</a>' if row.shown else name
    cells = "".join(f"<td>{row.counts.get(s, 0) or ''}</td>" for s in _STAGE_COLUMNS)
    return (
        f'<tr class="doc-row" id="row-{row.number}"><td>{row.number}</td>'
        f'<td class="name" title="{html.escape(row.output)}">{link}</td><td>{row.chars_out}</td>'
        f'<td>{row.chrome or ""}</td>{cells}<td class="spin">{html.escape(row.spin) or "–"}</td></tr>\n'
    )


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {rest} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


def _run_details(run: dict[str, Any], totals: Totals, failed_total: int) -> list[tuple[str, str]]:
    """(label, value) pairs: the runner's details first, in a fixed order, then the rest."""
    details: list[tuple[str, str]] = []
    started = run.pop("started", None)
    seconds = run.pop("seconds", None)
    if isinstance(started, int | float):
        when = datetime.fromtimestamp(started, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        details.append(("started", when))
    if isinstance(seconds, int | float):
        details.append(("duration", _duration(float(seconds))))
    details.append(("cleaner version", str(run.pop("version", __version__))))
    labels = {
        "input": "input folder",
        "output": "output folder",
        "stages": "stages",
        "jobs": "workers",
        "inputs_cleaned": "inputs cleaned",
        "inputs_unchanged": "inputs skipped as unchanged",
        "inputs_removed": "inputs removed since the last run",
    }
    for key, label in labels.items():
        if key in run:
            value = run.pop(key)
            shown = " → ".join(map(str, value)) if isinstance(value, list | tuple) else str(value)
            details.append((label, shown))
    details.append(("documents written", f"{totals.documents:,}"))
    details.append(("documents failed", f"{failed_total:,}"))
    for key, value in sorted(run.items()):
        details.append((key.replace("_", " "), str(value)))
    return details


def _script_json(value: Any) -> str:
    """JSON to put inside an inline <script>: '<' escaped so no '</script>' ends it early."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")


def _table(
    table_id: str, headers: list[str], rows: list[list[str]], numeric: set[int], cards: bool
) -> str:
    classes = "sortable cards" if cards else "sortable"
    head = "".join(
        f'<th scope="col"{" class=num" if i in numeric else ""}>{html.escape(h)}</th>'
        for i, h in enumerate(headers)
    )
    body = "".join(
        "<tr>" + "".join(
            f"<td{' class=num' if i in numeric else ''}>{cell}</td>" for i, cell in enumerate(row)
        ) + "</tr>\n"
        for row in rows
    )  # fmt: skip
    return (
        f'<div class="wrap"><table id="{table_id}" class="{classes}"><thead><tr>{head}</tr>'
        f"</thead><tbody>{body}</tbody></table></div>"
    )


def _card_labels(table_id: str, headers: list[str]) -> str:
    """On a phone a wide table's rows become cards: each cell says which column it is."""
    return "".join(
        f'#{table_id} td:nth-child({i + 1})::before{{content:"{h}: "}}'
        for i, h in enumerate(headers)
        if h not in ("#", "document", "input")
    )


def page_html(
    *,
    listed: int,
    totals: Totals,
    failures: list[list[str]],
    failed_total: int,
    run: dict[str, Any],
    shown: int,
    texts_url: str,
) -> str:
    esc = html.escape
    details = "".join(
        f"<div><dt>{esc(k)}</dt><dd>{esc(v)}</dd></div>"
        for k, v in _run_details(run, totals, failed_total)
    )
    edits = sum(t.edits for s, t in totals.stages.items() if s not in HIDDEN_STAGES)

    if failures:
        failure_rows = [[esc(i), esc(d), esc(s), esc(r)] for i, d, s, r in failures]
        more = failed_total - len(failures)
        failures_html = _table(
            "failures-table", ["input", "document", "stage", "reason"], failure_rows, set(), True
        ) + (f"<p>… and {more:,} more in _errors.jsonl.</p>" if more > 0 else "")
    else:
        failures_html = "<p>No document failed.</p>"

    stage_rows = [
        [esc(s), f"{t.edits:,}", f"{t.documents:,}", f"{t.milliseconds / 1000:.1f}"]
        for s, t in totals.stages.items()
    ]
    stage_html = _table(
        "stages-table", ["stage", "edits", "documents", "seconds"], stage_rows, {1, 2, 3}, False
    )
    rule_rows = [
        [esc(t.stage), f'<a href="#rule={esc(rule)}" class="rule">{esc(rule)}</a>'
         if t.stage not in HIDDEN_STAGES else esc(rule), f"{t.edits:,}", f"{t.documents:,}"]
        for (stage, rule), t in sorted(totals.rules.items(), key=lambda kv: -kv[1].edits)
    ]  # fmt: skip
    rules_html = _table("rules-table", ["stage", "rule", "edits", "documents"], rule_rows, {2, 3}, False)

    if totals.findings:
        finding_rows = [
            [esc(rule), f"{f.count:,}", f"{f.documents:,}",
             f"<q>{esc(f.example[0])}</q> → <q>{esc(f.example[1])}</q>",
             esc(f.example[2])]
            for rule, f in sorted(totals.findings.items(), key=lambda kv: -kv[1].count)
        ]  # fmt: skip
        findings_html = (
            "<p>LanguageTool reported these; only the rules in rules/grammar.toml are applied."
            "</p>"
            + _table(
                "grammar-table",
                ["rule", "findings", "documents", "example", "message"],
                finding_rows,
                {1, 2},
                True,
            )
        )
    else:
        findings_html = "<p>None (or the grammar stage did not run).</p>"
    if totals.findings_not_collected:
        findings_html = (
            f"<p>Not collected for {totals.findings_not_collected:,} "
            f"document{'' if totals.findings_not_collected == 1 else 's'}: findings cost "
            f"LanguageTool several times the work of the fixes, so they are off by default; "
            f"{esc(FINDINGS_HINT)}.</p>" + ("" if not totals.findings else findings_html)
        )

    stage_options = "".join(
        f'<option value="{esc(s)}">{esc(s)} ({len(n)} docs)</option>'
        for s, n in sorted(totals.by_stage.items())
        if s not in HIDDEN_STAGES
    )
    rule_options = "".join(
        f'<option value="{esc(r)}">{esc(r)} ({len(n)} docs)</option>'
        for r, n in sorted(totals.by_rule.items())
    )
    doc_headers = ["#", "document", "chars", "chrome lines", *_STAGE_COLUMNS, "spin score"]
    head = "".join(
        f"<th scope=col{' class=num' if h not in ('document',) else ''}>{h}</th>"
        for h in doc_headers
    )
    more = totals.documents - listed
    more_note = f"<p>… and {more:,} more documents in _audit.jsonl.</p>" if more > 0 else ""
    text_note = (
        f"<p>Texts can be opened for the first {shown:,} documents (--report-docs).</p>"
        if totals.documents > shown
        else ""
    )
    data = {
        "stages": {s: n for s, n in totals.by_stage.items() if s not in HIDDEN_STAGES},
        "rules": totals.by_rule,
        "shown": shown,
        "chunk": DOCS_PER_CHUNK,
        "src": texts_url,
    }
    labels = "".join(
        _card_labels(t, h)
        for t, h in (
            ("docs", doc_headers),
            ("failures-table", ["input", "document", "stage", "reason"]),
            ("grammar-table", ["rule", "findings", "documents", "example", "message"]),
        )
    )
    nav = (
        '<nav id="nav"><a href="#run-details">run</a><a href="#failures">failures '
        f"({failed_total:,})</a><a href=\"#stages\">stages</a><a href=\"#rules\">rules</a>"
        '<a href="#grammar">grammar findings</a><a href="#documents">documents</a></nav>'
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>cleaner report</title><style>{_STYLE}"
        f"@media (max-width:760px){{{labels}}}</style></head><body>"
        f"<header><h1>cleaner report</h1>{nav}</header>"
        f'<section id="run-details"><h2>Run</h2><dl class="run">{details}</dl>'
        f'<p class="summary">{totals.documents:,} documents · {totals.chrome_lines:,} chrome '
        f"lines removed · {edits:,} edits · {totals.chars_in:,} characters in, "
        f"{totals.chars_out:,} out.</p></section>"
        f'<section id="failures" class="{"bad" if failed_total else "ok"}">'
        f"<h2>Failures ({failed_total:,})</h2>{failures_html}</section>"
        f'<section id="stages"><h2>Totals per stage</h2>{stage_html}</section>'
        f'<section id="rules"><h2>Totals per rule</h2><p>Click a column to sort, a rule to '
        f"see its documents.</p>{rules_html}</section>"
        f'<section id="grammar"><h2>Grammar findings not applied</h2>{findings_html}</section>'
        '<section id="documents"><h2>Documents</h2>'
        '<div id="filters"><label>Stage <select id="stage"><option value="">all stages</option>'
        f'{stage_options}</select></label> <label>Rule <select id="rule"><option value="">all '
        f'rules</option>{rule_options}</select></label> <span id="count"></span></div>'
        '<section id="viewer" hidden><div class="bar"><button type="button" id="prev">‹ '
        'previous</button><button type="button" id="next">next ›</button><button '
        'type="button" id="close">close</button></div><h3 id="viewer-title"></h3>'
        '<p class="where" id="viewer-where"></p><p class="legend">Struck through: removed; '
        'highlighted: replaced (hover or tap for the original).</p><pre class="text" '
        'id="viewer-text"></pre><div id="viewer-findings"></div></section>'
        f'<div class="wrap"><table id="docs" class="sortable cards"><thead><tr>{head}</tr>'
        f"</thead><tbody>{ROWS_HERE}</tbody></table></div>{more_note}{text_note}</section>"
        f'<script id="report-data" type="application/json">{_script_json(data)}</script>'
        f"<script>{_SCRIPT}</script></body></html>"
    )


_STYLE = """
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;padding:1rem 1.5rem 3rem;max-width:1400px;color:#1d1d1f;background:#fff}
header{display:flex;flex-wrap:wrap;align-items:baseline;gap:.4rem 1.5rem}
h1{font-size:1.5rem;margin:0}h2{font-size:1.2rem;margin:1.8rem 0 .5rem}h3{font-size:1.05rem;margin:.6rem 0 .2rem}
nav{display:flex;flex-wrap:wrap;gap:.2rem 1rem}nav a{white-space:nowrap}
dl.run{display:grid;grid-template-columns:repeat(auto-fill,minmax(15rem,1fr));gap:.3rem 1.2rem;margin:0}
dl.run div{min-width:0}dl.run dt{color:#666;font-size:.8rem}dl.run dd{margin:0;overflow-wrap:anywhere}
.summary{color:#444}.where{color:#666;font-size:.85rem;margin:0 0 .4rem;overflow-wrap:anywhere}
#failures.bad h2{color:#a1262b}
.wrap{max-width:100%}
table{border-collapse:collapse;font-size:.9rem;max-width:100%}
th,td{border-bottom:1px solid #e3e3e3;padding:.25rem .5rem;text-align:left;vertical-align:top}
th.num,td.num,#docs td{text-align:right}#docs td.name{text-align:left;overflow-wrap:anywhere;min-width:10rem}
td{overflow-wrap:break-word}td.num,td.spin,#docs td:not(.name){white-space:nowrap}
#rules-table td:nth-child(2),#failures-table td,#grammar-table td{overflow-wrap:anywhere}
table.sortable th{cursor:pointer;user-select:none;white-space:nowrap;background:#f4f4f6;position:sticky;top:0}
th[aria-sort=ascending]::after{content:" ▲"}th[aria-sort=descending]::after{content:" ▼"}
tbody tr:hover{background:#f7f7fa}
#filters{position:sticky;top:0;background:#f4f4f6;padding:.5rem .7rem;border:1px solid #ddd;border-radius:6px;margin:.8rem 0;z-index:2}
#filters label{margin-right:1rem;display:inline-block;max-width:100%}#filters select{max-width:calc(100vw - 7rem)}
#viewer{border:1px solid #ccd;border-radius:8px;padding:.6rem .9rem;margin:.8rem 0;background:#fcfcfe}
#viewer .bar button{margin-right:.5rem}.legend{font-size:.85rem;color:#555;margin:.2rem 0}
pre.text{white-space:pre-wrap;overflow-wrap:anywhere;font:14px/1.5 ui-monospace,Menlo,Consolas,monospace;background:#fbfbfb;border:1px solid #e6e6e6;padding:.8rem;border-radius:6px;max-width:100%}
del.edit{color:#a1262b;background:#fde8e8;text-decoration:line-through}
del.edit.line{display:block;margin:.15rem 0}
mark.edit{background:#ffe066;color:inherit;border-bottom:2px solid #e0a800;position:relative;cursor:help}
mark.edit:hover::after,mark.edit:focus::after{content:"was: " attr(data-before);position:absolute;left:0;top:1.5em;background:#222;color:#fff;padding:.2rem .45rem;border-radius:4px;white-space:pre-wrap;max-width:20rem;font-size:.8rem;z-index:3}
.dim del.edit.off{display:none}.dim mark.edit.off{background:none;border-bottom:none}
.hidden{display:none}.missing{color:#a00}
@media (max-width:760px){
body{padding:.6rem .7rem 2rem;font-size:14px}
dl.run{grid-template-columns:repeat(auto-fill,minmax(9rem,1fr))}
table.cards thead{display:none}
table.cards,table.cards tbody,table.cards tr{display:block;width:100%}
table.cards tr{border:1px solid #ddd;border-radius:6px;margin:.4rem 0;padding:.3rem .5rem}
table.cards td{display:inline-block;border:none;padding:.05rem .8rem .05rem 0;text-align:left}
table.cards td:empty{display:none}
#docs td:first-child::before{content:"#"}
#docs td.name,#failures-table td:first-child{display:block}
table.cards td::before{color:#666;font-size:.8rem}
}
"""

_SCRIPT = """
(function(){
  var data=JSON.parse(document.getElementById('report-data').textContent);
  var stage=document.getElementById('stage'), rule=document.getElementById('rule');
  var viewer=document.getElementById('viewer'), chunks={}, waiting={}, current=0;
  function $(id){return document.getElementById(id);}
  // Sortable tables: click (or Enter on) a column header.
  function key(cell){var t=cell.textContent.replace(/[,\\s]/g,'');
    var f=parseFloat(t);return t===''?0:(isNaN(f)?cell.textContent.toLowerCase():f);}
  function sortBy(th){
    var table=th.closest('table'), body=table.tBodies[0], col=th.cellIndex;
    var dir=th.getAttribute('aria-sort')==='descending'?1:-1;
    table.querySelectorAll('th').forEach(function(h){h.removeAttribute('aria-sort');});
    th.setAttribute('aria-sort',dir<0?'descending':'ascending');
    var rows=Array.prototype.slice.call(body.rows);
    rows.sort(function(a,b){var x=key(a.cells[col]),y=key(b.cells[col]);
      if(typeof x!==typeof y){x=String(x);y=String(y);}return (x<y?-1:x>y?1:0)*dir;});
    rows.forEach(function(r){body.appendChild(r);});
  }
  document.querySelectorAll('table.sortable th').forEach(function(th){
    th.tabIndex=0; th.addEventListener('click',function(){sortBy(th);});
    th.addEventListener('keydown',function(e){if(e.key==='Enter')sortBy(th);});});
  // State lives in the address: #doc=N&stage=S&rule=R, so a view can be linked to.
  function state(){var s={};location.hash.replace(/^#/,'').split('&').forEach(function(p){
    var kv=p.split('=');if(kv.length===2)s[kv[0]]=decodeURIComponent(kv[1]);});return s;}
  function setState(changes){var s=state(),h=[];Object.keys(changes).forEach(function(k){
    if(changes[k])s[k]=changes[k];else delete s[k];});
    ['doc','stage','rule'].forEach(function(k){if(s[k])h.push(k+'='+encodeURIComponent(s[k]));});
    location.hash=h.length?h.join('&'):'documents';}
  function matching(){var s=stage.value,r=rule.value,set=null;
    function keep(list){var m={};(list||[]).forEach(function(n){if(!set||set[n])m[n]=1;});set=m;}
    if(s)keep(data.stages[s]);if(r)keep(data.rules[r]);return set;}
  function filter(){var set=matching(),shown=0;
    document.querySelectorAll('#docs tr.doc-row').forEach(function(row){
      var ok=!set||set[row.id.slice(4)];row.classList.toggle('hidden',!ok);if(ok)shown++;});
    $('count').textContent=set?(shown+' matching documents'):'';markOff();}
  function markOff(){var s=stage.value,r=rule.value,active=!!(s||r);
    viewer.classList.toggle('dim',active);
    viewer.querySelectorAll('.edit').forEach(function(e){
      var on=(!s||e.getAttribute('data-stage')===s)&&(!r||e.getAttribute('data-rule')===r);
      e.classList.toggle('off',active&&!on);});}
  function load(index,done){
    if(chunks[index])return done(chunks[index]);
    (waiting[index]=waiting[index]||[]).push(done);if(waiting[index].length>1)return;
    var el=document.createElement('script'),name=('0000'+index).slice(-5);
    el.src=data.src.replace('{n}',name);
    el.onerror=function(){$('viewer-text').textContent='Could not load '+el.src+
      ': the _report folder must stay beside report.html.';};
    document.head.appendChild(el);}
  window.cleanerReport={add:function(index,docs){chunks[index]=docs;
    (waiting[index]||[]).forEach(function(f){f(docs);});delete waiting[index];}};
  function render(doc){var pre=$('viewer-text'),text=doc.text,cur=0;pre.textContent='';
    if(text===null){pre.innerHTML='<span class="missing">output not found</span>';return;}
    doc.view.forEach(function(s){var pos=s[0],len=s[1],before=String(s[4]),el;
      if(pos<cur||pos+len>text.length)return;
      pre.appendChild(document.createTextNode(text.slice(cur,pos)));
      if(len===0){el=document.createElement('del');
        var line=before.indexOf('\\n')>=0;el.className='edit'+(line?' line':'');
        el.textContent=line?before.replace(/^\\n+|\\n+$/g,''):before;
        el.title=s[2]+' · '+s[3]+': removed';}
      else{el=document.createElement('mark');el.className='edit';el.tabIndex=0;
        el.textContent=text.slice(pos,pos+len);el.setAttribute('data-before',before);
        el.title=s[2]+' · '+s[3]+': '+before+' → '+el.textContent;}
      el.setAttribute('data-stage',s[2]);el.setAttribute('data-rule',s[3]);
      pre.appendChild(el);cur=pos+len;});
    pre.appendChild(document.createTextNode(text.slice(cur)));
    var box=$('viewer-findings');box.textContent='';
    if(doc.findings.length){var h=document.createElement('h3');
      h.textContent='Grammar findings not applied ('+(doc.findings.length+doc.more_findings)+')';
      var ul=document.createElement('ul');doc.findings.forEach(function(f){
        var li=document.createElement('li');li.textContent=f[0]+': \\u201c'+f[1]+'\\u201d \\u2192 \\u201c'+
          f[2]+'\\u201d'+(f[3]?' ('+f[3]+')':'');ul.appendChild(li);});
      box.appendChild(h);box.appendChild(ul);}
    markOff();}
  function open(n){current=n;if(!n||n>data.shown){viewer.hidden=true;return;}
    viewer.hidden=false;$('viewer-title').textContent='Document '+n+' (loading…)';
    load(Math.floor((n-1)/data.chunk),function(docs){
      var doc=docs[(n-1)%data.chunk];if(current!==n||!doc)return;
      $('viewer-title').textContent=doc.n+'. '+doc.title;$('viewer-where').textContent=doc.where;
      render(doc);});}
  function step(by){var rows=Array.prototype.slice.call(document.querySelectorAll(
      '#docs tr.doc-row:not(.hidden)')),ids=rows.map(function(r){return +r.id.slice(4);});
    var at=ids.indexOf(current),next=ids[at+by];if(next&&next<=data.shown)setState({doc:String(next)});}
  $('prev').onclick=function(){step(-1);};$('next').onclick=function(){step(1);};
  $('close').onclick=function(){setState({doc:''});};
  stage.onchange=function(){setState({stage:stage.value});};
  rule.onchange=function(){setState({rule:rule.value});};
  function apply(){var s=state();stage.value=s.stage||'';rule.value=s.rule||'';filter();
    var n=+(s.doc||0);if(n!==current||viewer.hidden===!!n)open(n);
    if(s.rule&&!s.doc)$('documents').scrollIntoView();
    if(n)viewer.scrollIntoView();}
  window.addEventListener('hashchange',apply);apply();
})();
"""
