"""No silent acceptances (issue 22, item 4): inputs that used to run, or crash, without a word.

Each is refused through the command line with exit code 2 and a message naming the file, line and
field (``command line --option`` for an option) with a hint, before anything is computed; or, where
the value is legal but almost certainly a unit slip, accepted with a ``warning FILE:LINE:COL field:``
line on standard error that says what was probably meant.
"""
from __future__ import annotations

import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

import forecast.engine
from forecast.cli.app import app
from refusal import refused as _refused


def refused(result, *located: str) -> str:
    return _refused(result, *located, warnings=False)

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def variant(tmp_path: Path, body: str, parent: str = "baseline.yaml", name: str = "variant") -> Path:
    return write(tmp_path / f"{name}.yaml", f"extends: {SCENARIOS / parent}\nname: {name}\n{body}")






# --- a, i: compare files ---------------------------------------------------------------------------

def _compare(tmp_path: Path, step: str, beside: int = -1) -> Path:
    return write(tmp_path / "cmp.yaml", f"""\
compare:
  name: cmp
  title: A waterfall
  start: {{label: start, scenario: {SCENARIOS / 'gpt-class.yaml'}}}
  steps:
    - {{label: step, scenario: {SCENARIOS / step}}}
  marks:
    - {{label: published, value: $1M, source: a source, beside: {beside}}}
""")


def test_a_a_waterfall_step_that_is_not_a_cost_scenario_is_refused(tmp_path, no_engine):
    cmp = _compare(tmp_path, "baseline.yaml")
    err = refused(invoke("report", SCENARIOS / "gpt-class.yaml", "--compare", cmp, "-n", 200,
                         "--trend-methods", "none", "--out", tmp_path / "r"),
                  f"{cmp}:6:21 compare.steps.0.scenario:")
    assert "baseline.yaml has no cost section" in err and "(name a scenario with cost:" in err
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("beside, bars", [(2, 2), (-3, 2)])
def test_i_a_mark_beside_no_bar_is_refused(tmp_path, no_engine, beside, bars):
    # a start and one step: bars 0 and 1, or -1 and -2 from the end
    cmp = _compare(tmp_path, "palmyra-x-004.yaml", beside)
    err = refused(invoke("report", SCENARIOS / "gpt-class.yaml", "--compare", cmp, "-n", 200,
                         "--trend-methods", "none", "--out", tmp_path / "r"),
                  f"{cmp}:8:56 compare.marks.0.beside:")
    assert f"beside {beside} names no bar: this waterfall has {bars}" in err
    assert "(use 0 (the start) to 1, or -1 for the last bar)" in err


def test_i_every_bar_may_carry_a_mark(tmp_path):
    from forecast.io.compare import load_compare

    for beside in (-2, -1, 0, 1):
        assert load_compare(_compare(tmp_path, "palmyra-x-004.yaml", beside)).compare.marks[0].beside == beside


# --- b: consent erosion of 100%/yr ------------------------------------------------------------------

@pytest.mark.parametrize("erosion, message", [
    ("100%", "a consent erosion of 100%/yr restricts the whole public stock within a year"),
    ("{dist: uniform, low: 50%, high: 100%}", "a consent erosion of 100%/yr restricts"),
    # lognormal 50%..99.9% (90%): mu = ln √(0.5 × 0.999) = −0.3471, sigma = ln(0.999/0.5) / 3.2897
    # = 0.2104; P(X ≥ 1) = Φ(mu/sigma) = Φ(−1.650) = 4.95%
    ("50% to 99.9%", "consent erosion 50% to 99.9% (90%) draws 100%/yr or more in 5% of samples"),
])
def test_b_consent_erosion_that_reaches_100_percent_is_refused(tmp_path, no_engine, erosion, message):
    path = variant(tmp_path, f"supply:\n  dynamics:\n    consent_erosion: {erosion}\n")
    for command in (("validate", path), ("run", path, "--out", tmp_path / "out")):
        err = refused(invoke(*command), f"{path}:5:5 supply.dynamics.consent_erosion: {message}")
        assert "RuntimeWarning" not in err and "divide by zero" not in err
    assert not (tmp_path / "out").exists()


def test_b_chance_of_a_draw_at_or_above_one_is_the_lognormal_tail():
    from pydantic import TypeAdapter

    from forecast.schema.uncertain import Fraction, chance_at_least

    share = TypeAdapter(Fraction)
    # 50%..99% at 90%: mu = −0.351599, sigma = 0.683097 / 3.289707 = 0.207647; Φ(−1.693249) = 0.045204
    assert chance_at_least(share.validate_python("50% to 99%"), 1.0) == pytest.approx(0.045204, abs=1e-6)
    # 1%..5%, the shipped ai-written-inflow range: mu/sigma = −3.7996 / 0.48925 = −7.766, P ≈ 4e-15
    assert chance_at_least(share.validate_python("1% to 5%"), 1.0) < 1e-14
    assert chance_at_least(share.validate_python("99%"), 1.0) == 0.0


# --- c, d, e, f: sweep grids ------------------------------------------------------------------------

def _grid(tmp_path: Path, body: str) -> Path:
    return write(tmp_path / "grid.yaml", f"name: g\nbase: {SCENARIOS / 'gpt-class.yaml'}\nsamples: 100\n{body}")


@pytest.mark.parametrize("body, located, message", [
    # c: a value set at every point and swept as well
    ("set:\n  cost.compute.mfu: 30%\naxes:\n  cost.compute.mfu: [20%, 40%]\n",
     ":5:3 set.cost.compute.mfu:", "cost.compute.mfu is set here and swept on an axis"),
    ("set:\n  cost.compute.mfu.source: a paper\naxes:\n  cost.compute.mfu: [20%, 40%]\n",
     ":5:3 set.cost.compute.mfu.source:", "inside cost.compute.mfu, which is swept"),
    # d: a chart of a metric the base scenario does not have
    ("axes:\n  cost.compute.mfu: [20%, 40%]\n  cost.run.tokens: [300B, 600B]\n"
     "chart: {x: cost.compute.mfu, y: cost.run.tokens, metric: cost.totl.p50}\n",
     ":7:50 chart.metric:", "unknown metric 'cost.totl.p50': a sweep of gpt-class has cost.total.p10, "
                           "cost.total.p50, cost.total.p90 (did you mean 'cost.total.p50'?)"),
    ("axes:\n  cost.compute.mfu: [20%, 40%]\n  cost.run.tokens: [300B, 600B]\n"
     "chart: {x: cost.compute.mfu, y: cost.run.tokens, metric: exhaustion.p50}\n",
     ":7:50 chart.metric:", "unknown metric 'exhaustion.p50'"),
    # e: an axis on a label
    ("axes:\n  name: [a, b]\n", ":5:3 axes.name:", "name is a label, not an input"),
    ("axes:\n  seed: [1, 2]\n", ":5:3 axes.seed:", "a point's seed comes from its content"),
    ("axes:\n  samples: [100, 1000]\n", ":5:3 axes.samples:", "samples is set for every point by the grid's"),
    # f: too many points, in one range or crossed
    ("axes:\n  cost.compute.mfu: {from: 10%, to: 50%, steps: 1000000000}\n",
     ":5:42 axes.cost.compute.mfu.steps:", "1,000,000,000 steps is above the limit of 100,000 points"),
    ("axes:\n  cost.compute.mfu: {from: 10%, to: 50%, steps: 400}\n"
     "  cost.run.tokens: {from: 100B, to: 1T, steps: 400}\n",
     ":4:1 axes:", "160,000 points is above the limit of 100,000 points a grid may hold"),
])
def test_c_to_f_a_grid_that_says_something_else_than_meant_is_refused(tmp_path, no_engine, body, located,
                                                                         message):
    grid = _grid(tmp_path, body)
    err = refused(invoke("sweep", grid, "--out", tmp_path / "out"), f"{grid}{located}")
    assert message in err
    assert not (tmp_path / "out").exists()


def test_f_the_point_limit_is_a_documented_constant():
    from forecast.analysis.sweep import MAX_POINTS

    assert MAX_POINTS == 100_000
    assert "100,000 points" in (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")


def test_d_headline_keys_are_those_a_run_gives():
    from forecast.io.scenario import load_scenario
    from forecast.outputs import headline, headline_keys

    for name in ("gpt-class", "mix-sweep", "slow-growth"):
        scenario = load_scenario(SCENARIOS / f"{name}.yaml").scenario
        assert headline_keys(scenario) == list(headline(forecast.engine.headline_run(scenario, samples=200)))


# --- g, h: quarters before the data, or after today ----------------------------------------------

def test_g_a_report_quarter_before_the_data_is_refused(tmp_path, no_engine):
    # data/notable_models.csv begins with GPT-1, 2018-06-01 (2018Q2)
    err = refused(invoke("report", SCENARIOS / "gpt-class.yaml", "--quarter", "2018Q1", "-n", 200,
                         "--out", tmp_path / "r"), "command line --quarter: 2018Q1 is before the data begins")
    assert "(2018Q2: GPT-1, the first row of dataset_tokens in data/notable_models.csv)" in err
    assert "(give 2018Q2 or later" in err
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("as_of, series, message", [
    ("2025Q2", "price_performance", "2025Q2 is in the future (today is in 2025Q1)"),
    # data/gpu_prices.csv's first rows are V100 prices of 2018, dated 1 July (2018Q3)
    ("2018Q3", "price_performance", "2018Q3 is before the first row of price_performance, so there is nothing "
                                    "to fit: price_performance begins in 2018Q3"),
    ("2010Q1", None, "dataset_tokens begins in 2018Q2 (GPT-1, data/notable_models.csv)"),
])
def test_h_trends_as_of_outside_the_data_is_refused(monkeypatch, as_of, series, message):
    monkeypatch.setattr("forecast.report.quarterly.current_quarter", lambda today=None: "2025Q1")
    monkeypatch.setattr("forecast.engine.trends.trend_report",
                        lambda *a, **k: (_ for _ in ()).throw(AssertionError("fitted")))
    args = ["trends", "--as-of", as_of, "--method", "ols"] + (["--series", series] if series else [])
    err = refused(invoke(*args), "command line --as-of: ")
    assert message in err and "(give " in err


# --- j: a child scenario named as its parent or a neighbour -------------------------------------------

def test_j_a_child_named_as_its_parent_is_refused(tmp_path, no_engine):
    path = variant(tmp_path, "samples: 300\n", name="baseline")
    err = refused(invoke("run", path, "--out", tmp_path / "out"), f"{path}:2:1 name: 'baseline' is also the "
                                                                   "name of its parent")
    assert f"({SCENARIOS / 'baseline.yaml'}:4)" in err and "(give this scenario its own name" in err
    refused(invoke("validate", path), f"{path}:2:1 name:")
    assert not (tmp_path / "out").exists()


def test_j_a_child_named_as_another_scenario_in_its_folder_is_refused_when_run_alone(tmp_path, no_engine):
    first = variant(tmp_path, "", name="one")
    other = write(tmp_path / "two.yaml", f"extends: {SCENARIOS / 'slow-growth.yaml'}\nname: one\n")
    err = refused(invoke("run", other, "--out", tmp_path / "out"), f"{other}:2:1 name: 'one' is also the name "
                                                                    f"of {first}:2, in the same folder")
    assert "(give each scenario its own name)" in err
    refused(invoke("validate", first), f"{first}:2:1 name: 'one' is also the name of {other}:2")


# --- k: implausible magnitudes warn and say what was meant ------------------------------------------

@pytest.mark.parametrize("parent, body, located, meant", [
    ("baseline.yaml", "supply:\n  sources:\n    indexed_web: {stock: 300}\n",
     ":5:19 supply.sources.indexed_web.stock: a stock of 300 tokens is implausibly small", "did you mean 300T?"),
    ("baseline.yaml", "supply:\n  sources:\n    indexed_web: {stock: 300 tokens}\n",
     ":5:19 supply.sources.indexed_web.stock:", "did you mean 300T?"),
    ("baseline.yaml", "demand:\n  historical:\n    current_largest: 2e21\n    reference: 2024Q1\n",
     ":5:5 demand.historical.current_largest: a training dataset of 2e21 tokens", "is it a FLOP count?"),
    ("gpt-class.yaml", "cost:\n  run:\n    tokens: 300\n",
     ":5:5 cost.run.tokens: a training dataset of 300 tokens", "did you mean 300B or 300T?"),
    ("gpt-class.yaml", "cost:\n  run:\n    params: 175\n",
     ":5:5 cost.run.params: a model of 175 parameters", "did you mean 175B?"),
    ("gpt-class.yaml", "cost:\n  compute:\n    mfu: 90%\n",
     ":5:5 cost.compute.mfu: an MFU of 90% is above any published large training run", "is not MFU"),
    ("gpt-class.yaml", "cost:\n  compute:\n    price_per_gpu_hour: $2000\n",
     ":5:5 cost.compute.price_per_gpu_hour: $2K per GPU-hour", "is it the price of a node of 8 GPUs"),
])
def test_k_an_implausible_magnitude_is_a_warning_saying_what_was_meant(tmp_path, parent, body, located, meant):
    path = variant(tmp_path, body, parent=parent)
    checked = invoke("validate", path)
    assert checked.exit_code == 0, checked.output
    assert checked.stdout == f"ok {path}\n"
    [line] = checked.stderr.splitlines()
    assert line.startswith(f"warning {path}{located}"), line
    assert meant in line and "Traceback" not in checked.output


def test_k_an_mfu_above_100_percent_is_impossible_and_refused(tmp_path, no_engine):
    path = variant(tmp_path, "cost:\n  compute:\n    mfu: 120%\n", parent="gpt-class.yaml")
    err = refused(invoke("cost", path), f"{path}:5:5 cost.compute.mfu:")
    assert "a fraction cannot exceed 100%" in err


def test_k_the_warning_is_printed_by_run_and_cost_too(tmp_path):
    path = variant(tmp_path, "samples: 200\ncost:\n  run:\n    params: 175\n", parent="gpt-class.yaml")
    for command in (("cost", path), ("run", path, "--out", tmp_path / "out")):
        result = invoke(*command)
        assert result.exit_code == 0, result.output
        assert f"warning {path}:6:5 cost.run.params:" in result.stderr


def test_k_no_shipped_scenario_warns():
    from forecast.io.scenario import load_scenario

    for path in sorted(SCENARIOS.glob("*.yaml")) + sorted((SCENARIOS / "decomposition").glob("*.yaml")):
        assert load_scenario(path).warnings == (), path


def test_k_magnitude_limits_bracket_the_reference_data():
    import pandas as pd

    from forecast.io import magnitudes as M

    stock = pd.read_csv(ROOT / "data" / "text_stock.csv", comment="#")
    assert stock["tokens_central"].min() > M.SMALLEST_STOCK
    assert stock["tokens_central"].max() * 100 < M.LARGEST_DATASET
    models = pd.read_csv(ROOT / "data" / "notable_models.csv", comment="#")
    assert models["training_tokens"].min() == 1.28e11 > M.SMALLEST_DATASET
    assert models["training_tokens"].max() < M.LARGEST_DATASET
    assert models["params_total"].min() == 1.17e8 > M.SMALLEST_MODEL
    prices = pd.read_csv(ROOT / "data" / "gpu_prices.csv", comment="#")
    assert (prices["price_low_usd_per_hour"].min(), prices["price_high_usd_per_hour"].max()) == (0.19, 12.29)
    assert math.isclose(M.LARGEST_MFU, 0.75)
