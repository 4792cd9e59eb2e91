"""``explore.html`` (forecast/report/explorer.py, explorer_page.py, static/explore.js): the page's own
JavaScript, run under Node, gives every output the Python engine gives for the same slider settings on
the same draws (every sample's quarter, the counts behind the curve and P(by 2030), the median and 80%
interval); at the scenario's values it reads as the report; it is byte-identical across reruns; a
headless Chromium loads it, moves a slider and reads the new median and the redraw time from the DOM.

Node is installed by .ci/run (apt ``nodejs``); without it the Node tests skip. Chromium is installed
by .ci/run too (apt ``chromium``); its test skips where there is none.
"""
from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from forecast.engine.runs import run_scenarios
from forecast.outputs import format_headline
from forecast.report import explorer as X
from forecast.report.explorer_page import render_explorer
from forecast.units import format_quantity

ROOT = Path(__file__).resolve().parents[1]
RUNNER = Path(__file__).resolve().parent / "explore_runner.js"
#: the baseline (closed form, one source), a variant with three sources (bisection), one with stock
#: dynamics (left out)
PATHS = [*(ROOT / "scenarios" / n for n in ("baseline.yaml", "peak-2023.yaml", "ai-written-inflow.yaml")),
         ROOT / "tests" / "golden" / "report" / "mini-supply.yaml"]   # historical trend only, 1,000 samples
NODE = shutil.which("node") or shutil.which("nodejs")
CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)


@pytest.fixture(scope="module")
def runs():
    return run_scenarios(PATHS, keep_samples=True)


@pytest.fixture(scope="module")
def page(runs) -> str:
    return render_explorer(runs, "2026Q4")


def _data(page: str) -> dict:
    text = re.search(r'<script id="explore-data" type="application/json">(.*?)</script>', page, re.S).group(1)
    return json.loads(text.replace("<\\/", "</"))


def _settings(data: dict) -> list[dict]:
    """30 settings: each scenario as run, each of its first three sliders alone at its ends, compute growth
    at 3x/yr, and mixed moves (a seeded generator)."""
    cases = []
    for m in data["scenarios"]:
        cases.append({"scenario": m["name"], "settings": {}})
        for s in m["sliders"][:3]:
            cases.append({"scenario": m["name"], "settings": {s["id"]: [0, 2]}})
            cases.append({"scenario": m["name"], "settings": {s["id"]: [len(s["values"]) - 1, 4]}})
    base = data["scenarios"][0]
    growth = next(s for s in base["sliders"] if s["id"] == "demand.compute.growth")
    cases.append({"scenario": "baseline", "settings": {growth["id"]: [growth["values"].index(3.0), 2]}})
    rng = np.random.default_rng(28)
    while len(cases) < 30:
        m = data["scenarios"][len(cases) % len(data["scenarios"])]
        moved = {s["id"]: [int(rng.integers(len(s["values"]))), int(rng.integers(len(data["widths"])))]
                 for s in m["sliders"] if rng.random() < 0.6}
        cases.append({"scenario": m["name"], "settings": moved})
    return cases


def _node(page: str, cases: list[dict], tmp_path: Path) -> list[dict]:
    (tmp_path / "explore.html").write_text(page, encoding="utf-8")
    (tmp_path / "cases.json").write_text(json.dumps(cases), encoding="utf-8")
    done = subprocess.run([NODE, str(RUNNER), str(tmp_path / "explore.html"), str(tmp_path / "cases.json")],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _texts(model: dict, out: dict) -> dict:
    """What the page writes, as the report's own formatting writes it."""
    def quarter(pos):
        return "after horizon" if pos >= len(model["quarters"]) else model["quarters"][pos]

    return {"p10": quarter(out["p10"]), "p50": quarter(out["p50"]), "p90": quarter(out["p90"]),
            "by_2030": format_headline("exhaustion.by_2030", out["by_count"] / model["samples"]),
            "gap": None if out["gap_p50"] is None else format_quantity(out["gap_p50"], "tokens")}


@pytest.mark.skipif(NODE is None, reason="node is not installed (.ci/run installs nodejs with apt)")
def test_the_pages_javascript_gives_the_engines_outputs_for_30_slider_settings(page, tmp_path):
    data = _data(page)
    arrays = X.decode_arrays(data)
    cases = _settings(data)
    assert len(cases) >= 20
    for case, js in zip(cases, _node(page, cases, tmp_path), strict=True):
        model = next(m for m in data["scenarios"] if m["name"] == case["scenario"])
        py = X.evaluate(data, case["scenario"], {k: tuple(v) for k, v in case["settings"].items()}, arrays)
        first = np.frombuffer(base64.b64decode(js["first"]), dtype="<i4")
        where = f"{case['scenario']} {case['settings']}"
        assert np.array_equal(first, py["first"]), f"{where}: {int(np.sum(first != py['first']))} samples differ"
        assert js["counts"] == py["counts"], where
        assert (js["p10"], js["p50"], js["p90"], js["by_count"]) == (py["p10"], py["p50"], py["p90"], py["by_count"])
        # the gap takes exp(), which JavaScript and numpy may round differently in the last place
        assert float(js["gap_p50"]) == pytest.approx(py["gap_p50"], rel=1e-12, abs=0.0), where
        assert js["text"] == _texts(model, py), where


def test_at_the_scenarios_values_the_page_reads_as_the_report(runs, page):
    data = _data(page)
    base = runs[0].result
    model = data["scenarios"][0]
    assert model["name"] == "baseline" and model["samples"] == base.samples == 50_000
    py = X.evaluate(data, "baseline")
    assert np.array_equal(py["first"], base.events["exhaustion"])     # every sample's quarter is the run's
    h = {k: format_headline(k, v) for k, v in __import__("forecast").headline(base).items()}
    texts = _texts(model, py)
    assert (texts["p50"], texts["p10"], texts["p90"], texts["by_2030"]) == (
        h["exhaustion.p50"], h["exhaustion.p10"], h["exhaustion.p90"], h["exhaustion.by_2030"])
    report_gap = float(base.metric("synthetic_needed")["p50"].loc[lambda f: f.index.astype(str) == "2030Q4"].iloc[0])
    assert texts["gap"] == format_quantity(report_gap, "tokens")
    assert model["report"]["p50_text"] == h["exhaustion.p50"]
    # the three-source variant too: the bisection's quarters are the run's
    peak = data["scenarios"][1]
    assert peak["name"] == "peak-2023" and len(peak["sources"]) == 3
    if peak["samples"] == runs[1].result.samples:
        assert np.array_equal(X.evaluate(data, "peak-2023")["first"], runs[1].result.events["exhaustion"])


def test_scenarios_the_closed_form_cannot_model_are_listed_not_approximated(page):
    data = _data(page)
    assert [m["name"] for m in data["scenarios"]] == ["baseline", "peak-2023", "mini-supply"]
    assert [d["name"] for d in data["left_out"]] == ["ai-written-inflow"]
    assert "stock dynamics" in data["left_out"][0]["reason"]
    assert "<b>ai-written-inflow</b>" in page and "human share of new text has no slider" in page


def test_the_page_is_self_contained_small_and_byte_identical_across_reruns(page):
    assert len(page.encode("utf-8")) < 10_000_000
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)   # no network, no CDN
    again = render_explorer(run_scenarios(PATHS, keep_samples=True), "2026Q4")
    assert again == page


def test_sliders_hand_computed_values():
    # positions: nice values within the span, the scenario's own value among them, 3x/yr reachable
    values = X.slider_values(float(np.sqrt(20.0)), "growth")
    assert 3.0 in values and float(np.sqrt(20.0)) in values and min(values) >= 1.0
    assert max(X.slider_values(0.2, "fraction")) <= 1.0
    # one source, ln S = ln 100 flat; ln D = 0 + ln 10·τ: D = S at τ = 2, quarter ends 0.25 apart -> position 8
    data = {"widths": [0.5, 1.0, 2.0], "arrays": {}, "scenarios": [{
        "name": "hand", "samples": 1, "taus": [0.25 * k for k in range(12)], "by_last": 11, "gap_at": None,
        "choice": None, "sources": [{"stock": "s", "quality": "q", "rep": "r", "growth": "g", "c": 0.0}],
        "hist": {"level": "l", "growth": "hg", "factor": None, "c": 0.0}, "comp": None,
        "terms": {"s": {"c": float(np.log(100.0))}, "q": {"c": 0.0}, "r": {"c": 0.0}, "g": {"c": 0.0},
                  "l": {"c": 0.0}, "hg": {"c": float(np.log(10.0))}},
        "sliders": [{"id": "s", "lm": float(np.log(100.0)), "shifts": [0.0, float(np.log(10.0))]},
                    {"id": "hg", "lm": float(np.log(10.0)), "shifts": [0.0]}]}]}
    assert X.evaluate(data, "hand")["p50"] == 8
    # a stock ten times larger: one more factor of 10 in demand, one year later -> position 12 (after the horizon)
    assert X.evaluate(data, "hand", {"s": (1, 1)})["p50"] == 12
    # a wider interval of a constant input leaves it where it is
    assert X.evaluate(data, "hand", {"s": (0, 2)})["p50"] == 8


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium here (.ci/run installs it with apt)")
def test_chromium_moves_the_compute_growth_slider_to_3x_and_reads_the_median(page, tmp_path):
    data = _data(page)
    path = tmp_path / "explore.html"
    path.write_text(page, encoding="utf-8")
    done = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=30000",
                           "--dump-dom", path.as_uri() + "#demand.compute.growth=3"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    assert 'data-ready="1"' in dom, dom[-2000:]
    growth = next(s for s in data["scenarios"][0]["sliders"] if s["id"] == "demand.compute.growth")
    expected = X.evaluate(data, "baseline", {growth["id"]: (growth["values"].index(3.0), 2)})
    median = re.search(r'<b id="median">([^<]*)</b>', dom).group(1)
    assert median == data["scenarios"][0]["quarters"][expected["p50"]]
    assert re.search(r'id="val-demand.compute.growth"[^>]*>3x/yr<', dom)
    ms = float(re.search(r'id="timing" data-ms="([0-9.]+)"', dom).group(1))
    assert ms > 0   # measured, not judged: timed assertions are flaky on shared machines


def test_a_scenario_with_a_zero_draw_is_left_out_with_the_reason(runs):
    """ln 0 is not a number the page can carry (JSON has no -inf): such a scenario is listed, not modelled."""
    from types import SimpleNamespace

    base = runs[0]
    draws = dict(base.result.draws)
    draws["supply.sources.indexed_web.stock"] = np.where(np.arange(base.result.samples) == 0, 0.0,
                                                        draws["supply.sources.indexed_web.stock"])
    fake = SimpleNamespace(name=base.name, file=base.file, result=SimpleNamespace(draws=draws, seed=base.result.seed))
    data = X.explorer_data([fake], "2026Q4")
    assert data["scenarios"] == [] and data["arrays"] == {}
    assert data["left_out"] == [{"name": "baseline", "file": base.file.path,
                                 "reason": "an input has draws of zero or below, whose logarithm the page cannot carry"}]
