"""The point estimate: every input at its median, through the kernels of the Monte Carlo run."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import forecast.engine as engine
from forecast.cli.app import app
from forecast.io.scenario import load_scenario
from forecast.models import sampling

ROOT = Path(__file__).resolve().parents[1]


def test_point_equals_a_monte_carlo_run_whose_uniforms_are_all_one_half(write_yaml, mini_text, monkeypatch):
    """Same paths, same kernels: engine.run on one sample with every drawn uniform at 0.5."""
    item = load_scenario(write_yaml("mini.yaml", mini_text))
    point = engine.point(item.scenario)
    monkeypatch.setattr(sampling, "uniforms", lambda seed, name, n: np.full(n, 0.5))
    run = engine.run(item.scenario, samples=1)
    for metric in ("stock", "demand", "ratio", "synthetic_needed", "synthetic_share"):
        np.testing.assert_array_equal(run.stats[metric][:, 0], point.series[metric])  # the mean of one draw
    first = int(run.events["exhaustion"][0])
    assert point.exhaustion == (run.quarters[first] if first < len(run.quarters) else None)


def test_mini_point_stock_and_demand_by_hand(write_yaml, mini_text):
    """Medians of 90% lognormal intervals are geometric means; the stock row is data/text_stock.csv."""
    item = load_scenario(write_yaml("mini.yaml", mini_text))
    p = engine.point(item.scenario)
    v = p.values
    assert v["supply.repetition.multiplier"] == pytest.approx(np.sqrt(2 * 5))   # 3.1623
    assert v["demand.historical.current_largest"] == pytest.approx(np.sqrt(3e12 * 13e12))  # 6.245T
    assert v["demand.historical.growth"] == pytest.approx(np.sqrt(2 * 3))       # 2.449x/yr
    # 2030Q4 ends at 2031.0, 7 years after the 2024Q1 reference: 6.245T × 2.449^7 = 3.34e15 tokens
    assert p.series["demand"][-1] == pytest.approx(6.244998e12 * 6 ** 3.5, rel=1e-6)
    s, g, q = (v[f"supply.sources.indexed_web.{k}"] for k in ("stock", "growth", "quality"))
    ref = p.settings.set_index("name").loc["supply.sources.indexed_web.reference_year", "value"]
    assert p.series["stock"][0] == pytest.approx(s * g ** (2024.25 - ref) * q * np.sqrt(10))


def test_mixture_point_is_the_weighted_mean_of_both_paths():
    item = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    p = engine.point(item.scenario)
    w = p.values["demand.historical_weight"]
    assert w == 0.5
    np.testing.assert_allclose(p.series["demand"], 0.5 * p.series["demand.historical"] + 0.5 * p.series["demand.compute"],
                               rtol=1e-15)
    assert p.exhaustion == "2029Q2"


def test_gpt_class_point_cost_by_hand():
    """GPT-3: 6 × 175B × 300B = 3.15e23 FLOP on V100s (125 TFLOP/s) at MFU √(20%·25%) = 22.36%:
    3.15e23 / (1.25e14 × 0.22361 × 3600) = 3.1305M GPU-hours, × $√(1.16·1.95) = $1.5040/h = $4.708M
    (Lambda 2020 estimated $4.6M at 28 TFLOPS achieved)."""
    item = load_scenario(ROOT / "scenarios" / "gpt-class.yaml")
    sc = engine.point(item.scenario).scalars
    assert sc["training_flop"] == pytest.approx(3.15e23)
    assert sc["gpu_hours"] == pytest.approx(3.15e23 / (1.25e14 * np.sqrt(0.05) * 3600))
    assert sc["compute"] == pytest.approx(sc["gpu_hours"] * np.sqrt(1.16 * 1.95))
    assert sc["compute"] == pytest.approx(4.708e6, rel=1e-3)


def test_values_replace_inputs_unclipped():
    item = load_scenario(ROOT / "scenarios" / "gpt-class.yaml")
    base = engine.point(item.scenario)
    moved = engine.point(item.scenario, values={"cost.compute.price_per_gpu_hour": 3.0,
                                                 "cost.compute.mfu": 1.2})
    assert moved.values["cost.compute.mfu"] == 1.2  # a spreadsheet takes 120% as it is
    assert moved.scalars["compute"] == pytest.approx(base.scalars["compute"] * 3.0 / base.values[
        "cost.compute.price_per_gpu_hour"] * base.values["cost.compute.mfu"] / 1.2)


def test_cheapest_run_size_is_reported_as_inputs_and_can_be_given():
    item = load_scenario(ROOT / "scenarios" / "mix-sweep.yaml")
    p = engine.point(item.scenario)
    assert {"cost.run.params", "cost.run.tokens"} <= set(p.inputs["input"])
    given = engine.point(item.scenario, values={"cost.run.params": 1e11, "cost.run.tokens": 2e12})
    assert given.scalars["training_flop"] == pytest.approx(6 * 1e11 * 2e12)
    # the mixes table prices the same run at each share: compute is the same, data grows with the share
    data = given.mixes.set_index("mix")["data"]
    assert list(given.mixes["mix"])[:2] == ["run", "mixes.synthetic_shares.1"]
    assert data.iloc[1:].is_monotonic_increasing


def test_run_point_prints_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["run", "--point", str(ROOT / "scenarios" / "baseline.yaml")])
    assert result.exit_code == 0, result.output
    assert "point estimate: every input at its median" in result.stdout
    assert "First quarter point demand ≥ point stock: 2029Q2" in result.stdout
    assert list(tmp_path.iterdir()) == []
