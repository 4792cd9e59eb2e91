"""The fast engine computes the same numbers as the slow, obvious way (issue 18).

* quantiles by selection on shrinking ranges are ``np.quantile`` bit for bit;
* the exhaustion quarter solved in closed form (one source) or by bisection (several) is the
  quarter a row-by-row scan finds, on random coefficients and on crossings placed exactly on a
  quarter end;
* one thread and two threads give identical arrays;
* the headline path gives the full run's events, tables and notes;
* the trend's least squares in numpy is statsmodels' OLS bit for bit, and a bootstrapped-trend
  run never imports statsmodels (a frontier-fit run only to fit, not with its fits cached).

No timings here: speed is measured by ``make bench`` (benchmarks/run.py).
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecast.engine import headline_run, run
from forecast.engine.blocks import PROBABILITIES, Summariser, quantiles
from forecast.io.scenario import load_scenario
from forecast.models.crossing import exhaustion_quarter, scan

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"


def bits(x) -> np.ndarray:
    return np.asarray(x, dtype=float).view(np.int64)


# --- exact quantiles ------------------------------------------------------------------------------

@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.floats(allow_nan=False, width=64), st.sampled_from([0.0, 1.0, 2.5])),
                min_size=1, max_size=300))
def test_selection_quantiles_are_numpy_quantiles(values) -> None:
    x = np.array(values)
    with np.errstate(invalid="ignore", over="ignore"):
        expected = np.quantile(x, PROBABILITIES)
    with np.errstate(invalid="ignore", over="ignore"):
        got = quantiles(x)
    assert np.array_equal(bits(got), bits(expected)), (got, expected)


@pytest.mark.parametrize("n", [1, 2, 3, 20, 21, 1000, 100_001])
def test_zero_padded_summary_is_the_plain_summary(n: int) -> None:
    """synthetic_needed is summarised among its positive values only; same table row as add_row."""
    rng = np.random.default_rng(n)
    for zeros in (0.0, 0.3, 0.9, 1.0):
        row = np.where(rng.random(n) < zeros, 0.0, rng.lognormal(size=n))
        a, b = Summariser(n, 1), Summariser(n, 1)
        a.table("m"), b.table("m")
        a.add_zero_padded("m", 0, row.copy())
        b.add_row("m", 0, row.copy())
        assert np.array_equal(bits(a.stats["m"]), bits(b.stats["m"]))
        assert np.array_equal(bits(a.stats["m"][0, 1:]), bits(np.quantile(row, PROBABILITIES)))
        assert a.stats["m"][0, 0] == row.mean()


def test_nan_rows_follow_numpy() -> None:
    x = np.array([1.0, np.nan, 3.0])
    assert np.isnan(quantiles(x)).all()


# --- closed-form exhaustion = scan ---------------------------------------------------------------

TAUS = np.arange(68) * 0.25  # 2024Q1 .. 2040Q4, years since the first quarter's end


@st.composite
def coefficient_sets(draw):
    """Random per-sample log-linear coefficients around the baseline's scales, some adversarial."""
    seed = draw(st.integers(0, 2**32 - 1))
    n = draw(st.integers(1, 400))
    k = draw(st.integers(1, 3))
    rng = np.random.default_rng(seed)
    need_a = np.log(10e12) + rng.normal(0.0, draw(st.floats(0.0, 3.0)), n)
    need_b = rng.choice([np.log(2.4), np.log(1.04), 0.0, -0.1]) + rng.normal(0.0, draw(st.floats(0.0, 1.0)), n)
    stock_a = [np.log(3e14 / k) + rng.normal(0.0, 1.0, n) for _ in range(k)]
    stock_b = [np.log(1.08) + rng.normal(0.0, draw(st.floats(0.0, 1.5)), n) for _ in range(k)]
    if k == 1 and draw(st.booleans()):
        # crossings exactly at quarter ends, equal growth, a source of zero tokens
        at = TAUS[rng.integers(0, TAUS.size, n)]
        stock_a[0] = need_a + (need_b - stock_b[0]) * at
        stock_b[0] = np.where(rng.random(n) < 0.1, need_b, stock_b[0])
        stock_a[0] = np.where(rng.random(n) < 0.05, -np.inf, stock_a[0])
    taus = TAUS[: draw(st.integers(1, TAUS.size))]
    return need_a, need_b, stock_a, stock_b, taus


@settings(max_examples=80, deadline=None)
@given(coefficient_sets())
def test_solved_exhaustion_quarter_is_the_scanned_one(case) -> None:
    need_a, need_b, stock_a, stock_b, taus = case
    with np.errstate(invalid="ignore", over="ignore"):
        expected = scan(need_a, need_b, stock_a, stock_b, taus)
        got = exhaustion_quarter(need_a, need_b, stock_a, stock_b, taus)
    assert got.dtype == np.int32
    assert np.array_equal(got, expected), np.flatnonzero(got != expected)[:5]


def test_crossing_on_a_quarter_end_counts_that_quarter() -> None:
    """D = S exactly at the end of the third quarter: exhausted in it (the event is D ≥ S)."""
    need_b, stock_b = np.array([np.log(4.0)]), np.array([0.0])
    stock_a = np.array([np.log(4.0) * TAUS[2]])  # ln S = ln D(τ2)
    assert exhaustion_quarter(np.zeros(1), need_b, [stock_a], [stock_b], TAUS).tolist() == [2]


# --- engine: threads, headline, cold start ------------------------------------------------------

def _load(name: str):
    return load_scenario(SCENARIOS / f"{name}.yaml").scenario


@pytest.mark.parametrize("name", ["baseline", "private-text", "peak-2023"])
def test_one_thread_and_two_threads_agree_bit_for_bit(name: str) -> None:
    s = _load(name)
    one, two = run(s, samples=20_000, threads=1), run(s, samples=20_000, threads=2)
    assert one.stats.keys() == two.stats.keys()
    for metric in one.stats:
        assert np.array_equal(bits(one.stats[metric]), bits(two.stats[metric]), equal_nan=True), metric
    for event in one.events:
        assert np.array_equal(one.events[event], two.events[event])
    assert one.inputs.equals(two.inputs)


def test_engine_event_is_the_scan_of_its_own_kernels() -> None:
    """The engine's exhaustion quarters equal a quarter-by-quarter scan of its coefficients."""
    from forecast.engine.inputs import collect_inputs, draw_inputs
    from forecast.engine.paths import log_paths
    from forecast.engine.supply_demand import exhaustion

    for name in ("baseline", "private-text"):
        s = _load(name)
        values = draw_inputs(collect_inputs(s, None, None), s.seed, 5_000, s.correlations)
        paths = log_paths(s, values, s.seed, 5_000, None, {})
        assert np.array_equal(exhaustion(paths), scan(paths.need_a, paths.need_b, paths.stock_a,
                                                     paths.stock_b, paths.taus)), name


@pytest.mark.parametrize("name", ["baseline", "mix-sweep", "private-text", "gpt-class"])
def test_headline_path_gives_the_full_runs_headline_numbers(name: str) -> None:
    s = _load(name)
    full, head = run(s, samples=10_000), headline_run(s, samples=10_000)
    assert head.stats == {} and head.inputs is None
    assert full.events.keys() == head.events.keys()
    for event in full.events:
        assert np.array_equal(full.events[event], head.events[event])
    assert full.event_summary().equals(head.event_summary())
    assert full.tables.keys() == head.tables.keys()
    for table in full.tables:
        assert full.tables[table].equals(head.tables[table]), table
    assert repr(full.notes) == repr(head.notes)


def test_outputs_must_be_full_or_headline() -> None:
    with pytest.raises(ValueError, match="outputs must be one of"):
        run(_load("baseline"), samples=10, outputs="summary")


def test_numpy_least_squares_is_statsmodels_ols() -> None:
    import statsmodels.api as sm

    from forecast.fit.trend import _ols

    rng = np.random.default_rng(18)
    for _ in range(50):
        n = int(rng.integers(3, 60))
        x = 2010.0 + 14.0 * rng.random(n)
        y = 12.0 + 0.38 * (x - 2020.0) + rng.normal(0.0, rng.random(), n)
        model = sm.OLS(y, sm.add_constant(x)).fit()
        assert _ols(x, y) == (float(model.params[0]), float(model.params[1]), float(model.bse[1]))


def _imports_statsmodels(path: Path, cache: str) -> bool:
    """Whether running the scenario at ``path`` in a fresh process imports statsmodels."""
    code = ("import sys\nfrom forecast.io.scenario import load_scenario\nfrom forecast.engine import run\n"
            f"s = load_scenario({str(path)!r}).scenario\n"
            "assert s.demand.historical.growth == 'fit'\nrun(s, samples=100)\n"
            "print('statsmodels' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "", "PEAKDATA_CACHE": cache})
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip() == "True"


def test_bootstrap_trend_run_does_not_import_statsmodels(tmp_path) -> None:
    """Cold start: V24's bootstrapped trend is one least-squares line, not a statsmodels import."""
    path = tmp_path / "v24.yaml"
    path.write_text(f"extends: {SCENARIOS / 'baseline.yaml'}\nname: v24\ndemand:\n  historical:\n"
                    "    current_largest: 3T to 13T\n    reference: 2024Q1\n    fit:\n      method: null\n"
                    "      as_of: null\n      start_year: 2018\n      end_year: 2024\n      bootstrap: 10000\n",
                    encoding="utf-8")
    assert not _imports_statsmodels(path, "off")


def test_fitted_baseline_imports_statsmodels_only_to_fit(tmp_path) -> None:
    """The baseline's frontier fit (quantile regression) needs statsmodels once; with the fit cache
    warm (forecast.io.fit_cache, on by default) a run reads the fit and never imports it."""
    cache = str(tmp_path / "fits")
    assert _imports_statsmodels(SCENARIOS / "baseline.yaml", cache)
    assert not _imports_statsmodels(SCENARIOS / "baseline.yaml", cache)
