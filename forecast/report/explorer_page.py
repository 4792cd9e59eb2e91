"""``explore.html``: one self-contained page beside the report that redraws the exhaustion date when
sliders move the inputs (no server, no network: the script and the draws are inline).

The data is :func:`forecast.report.explorer.explorer_data`; the script is ``static/explore.js``. The
page is a pure function of the runs: JSON with sorted keys, floats as Python writes them, arrays as
base64 of little-endian bytes, so the same runs give the same bytes.
"""
from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any, Sequence

from forecast.report.charts.base import PALETTE
from forecast.report.explorer import explorer_data

__all__ = ["FILE", "render_explorer", "script"]

#: The page's name in the report folder.
FILE = "explore.html"
_STATIC = Path(__file__).resolve().parent / "static"

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:84rem;margin:1.5rem auto;padding:0 1rem;line-height:1.45;"
    "color:#222}h1{font-size:1.35rem;margin:.2rem 0}h2{font-size:1.05rem;margin:1.2rem 0 .4rem}"
    ".answer{font-size:1.05rem;margin:.4rem 0}.answer b{color:" + PALETTE[0] + "}"
    "#curve{max-width:48rem}.note,.prov{font-size:.85rem;color:#555}"
    ".sliders{display:grid;grid-template-columns:repeat(auto-fill,minmax(19rem,1fr));gap:.5rem .8rem}"
    # wide screens: the answer and its curve on the left, the sliders beside them on the first screen
    "@media (min-width:70rem){.top{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:0 1.5rem}"
    ".top h2:first-child{margin-top:.4rem}}"
    ".slider{border:1px solid #ddd;border-radius:4px;padding:.4rem .6rem;display:grid;"
    "grid-template-columns:1fr auto;gap:.1rem .5rem;align-items:center;font-size:.9rem}"
    ".slider label{grid-column:1/3;font-weight:600}.slider .wlabel{font-weight:normal;font-size:.8rem;color:#555}"
    ".slider input{width:100%}.slider output{min-width:5.5rem;text-align:right;font-variant-numeric:tabular-nums}"
    ".slider .mark,.slider .int{grid-column:1/3;font-size:.78rem;color:#555}"
    "button{font:inherit;padding:.25rem .8rem}select{font:inherit}"
    ".key{display:inline-block;width:1.6rem;height:0;vertical-align:middle;margin:0 .3rem}"
    "#timing{font-size:.8rem;color:#555}")


def script() -> str:
    """The page's JavaScript (``static/explore.js``)."""
    return (_STATIC / "explore.js").read_text(encoding="utf-8")


def _json(data: dict[str, Any]) -> str:
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)
    return text.replace("</", "<\\/")


def _left_out(data: dict[str, Any]) -> str:
    items = "".join(f"<li><b>{html.escape(d['name'])}</b> ({html.escape(d['file'])}): {html.escape(d['reason'])}</li>"
                    for d in data["left_out"])
    if items:
        return f"<ul>{items}</ul>"
    return ("<p>None of this report's supply scenarios is left out.</p>" if data["scenarios"]
            else "<p>This report has no supply scenario.</p>")


def render_explorer(runs: Sequence[Any], quarter: str, data_dir=None) -> str:
    """The page for a report's runs (:class:`forecast.engine.runs.ScenarioRun` with their draws);
    a page that says so when no scenario can be explored."""
    data = explorer_data(runs, quarter, data_dir)
    title = f"What if? The exhaustion date, explored — peakdata report {quarter}"
    if not data["scenarios"]:
        body = (f"<h1>{html.escape(title)}</h1>\n<p>No scenario of this report can be explored here: the page recomputes only scenarios whose "
                "stock and demand are log-linear.</p>" + _left_out(data))
        return _page(title, body, "", "")
    body = f"""<h1>{html.escape(title)}</h1>
<p class="note">Move a slider to shift an input's whole distribution (its median, in its own unit) or to widen or
narrow its interval; every one of the scenario's samples is recomputed with the report's own model and drawn
again. Keyboard: Tab to a slider, arrow keys to move it. Nothing leaves this page.</p>
<p><label for="scenario">Scenario</label> <select id="scenario"></select>
<button id="reset" type="button">Reset to scenario</button> <span id="timing" data-ms=""></span></p>
<p class="answer">Human text runs out in <b id="median"></b> (median; 80% interval <span id="interval"></span>).</p>
<p class="answer">P(exhausted by end of 2030) = <b id="by2030"></b> (<span id="by2030-count"></span> samples).</p>
<p class="answer">Synthetic tokens the largest run needs beyond the human stock in 2030Q4 (median):
<b id="gap"></b> tokens.</p>
<p class="note" id="report-line"></p>
<div class="top"><div>
<h2>P(human text exhausted by quarter)</h2>
<p class="note"><span class="key" style="border-top:3px solid {PALETTE[0]}"></span>with the sliders
<span class="key" style="border-top:2px dashed #999"></span>the scenario as run
<span class="key" style="border-top:2px dotted {PALETTE[3]}"></span>median</p>
<div id="curve"></div>
</div><div>
<h2>Inputs</h2>
<div class="sliders" id="sliders"></div>
</div></div>
<h2>Where the numbers come from</h2>
<p class="prov" id="provenance"></p>
<h2>What this page leaves out</h2>
<p class="note">Scenarios the engine scans quarter by quarter are not modelled here rather than approximated;
that includes every scenario with stock dynamics, so the human share of new text has no slider:</p>
{_left_out(data)}
<p class="note">A slider moves an input's draws in log space, L' = L + ln(new median / median) + (width − 1)·(L − ln median),
keeping each sample's rank and the correlations the run drew. Bounds the trend fit put on its draws (a record
dataset never below the largest one disclosed, a dataset growth of at least 1x/yr) are not applied again after a
move. The demand path each sample of a mixture follows is the run's. Synthetic tokens are computed as
exp(a + b·τ) per sample; the report's chart carries each quarter forward by its growth factor, which can differ
in the last digits.</p>"""
    return _page(title, body, _json(data), script())


def _page(title: str, body: str, data: str, code: str) -> str:
    scripts = ""
    if code:
        scripts = (f'<script id="explore-data" type="application/json">{data}</script>\n'
                   f'<script id="explore-code">\n{code}</script>\n')
    return (f"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{html.escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n{body}\n{scripts}"
            f"</body>\n</html>\n")
