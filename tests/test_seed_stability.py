"""Seeded reproducibility: same scenario and seed, same numbers and files; one stream per input.

docs/architecture.md: the engine draws every uncertain input from its own stream,
``SeedSequence(seed, spawn_key=sha256(name))``, so adding an input never reshuffles the others,
and outputs carry no wall-clock time, so the same run gives byte-identical files.
"""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
import scipy.stats
from pydantic import TypeAdapter
from typer.testing import CliRunner

import forecast.engine as engine
from forecast.cli.app import app
from forecast.engine.inputs import Input, collect_inputs, draw_inputs
from forecast.io.scenario import load_scenario
from forecast.schema.uncertain import Number

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"
SAMPLES = 2000


def same_arrays(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> bool:
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k], equal_nan=True) for k in a)


@pytest.fixture(scope="module")
def baseline():
    return load_scenario(BASELINE)


@pytest.fixture(scope="module")
def baseline_runs(baseline):
    def go(seed):
        return engine.run(baseline.scenario, seed=seed, samples=SAMPLES, provenance=baseline.provenance)

    seed = baseline.scenario.seed
    return go(seed), go(seed), go(seed + 1)


def test_same_seed_gives_identical_arrays(baseline_runs):
    first, second, _ = baseline_runs
    assert first.stats and first.events
    assert same_arrays(first.stats, second.stats)
    assert same_arrays(first.events, second.events)
    assert first.inputs.equals(second.inputs)


def test_different_seed_changes_the_arrays(baseline_runs):
    first, _, other = baseline_runs
    assert other.seed == first.seed + 1
    assert not np.array_equal(first.stats["stock"], other.stats["stock"], equal_nan=True)
    assert not np.array_equal(first.events["exhaustion"], other.events["exhaustion"])


def test_seed_argument_overrides_the_scenario(baseline):
    explicit = engine.run(baseline.scenario, seed=baseline.scenario.seed, samples=300)
    implicit = engine.run(baseline.scenario, samples=300)
    assert same_arrays(explicit.stats, implicit.stats)


def run_cli(out: Path, seed: int | None = None) -> dict[str, bytes]:
    args = ["run", str(BASELINE), "--samples", str(SAMPLES), "--out", str(out)]
    if seed is not None:
        args += ["--seed", str(seed)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    folder = out / "baseline"
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def without_stamp(content: bytes) -> bytes:
    """The file minus lines naming the seed (the stamp differs by construction)."""
    return b"\n".join(line for line in content.split(b"\n") if b"seed " not in line)


def test_two_cli_runs_write_byte_identical_files(tmp_path):
    first = run_cli(tmp_path / "one")
    second = run_cli(tmp_path / "two")
    assert len(first) >= 5
    assert first.keys() == second.keys()
    for name in first:
        assert first[name] == second[name], name


def test_cli_run_with_another_seed_writes_other_numbers(tmp_path):
    first = run_cli(tmp_path / "one")
    other = run_cli(tmp_path / "other", seed=1)
    for name in ("summary.csv", "exhaustion_cdf.csv", "inputs.csv", "report.md"):
        assert without_stamp(first[name]) != without_stamp(other[name]), name


# --- adding an input never reshuffles the others ---------------------------------------------

def draws(path: Path, n: int = 5000, seed: int | None = None) -> dict[str, np.ndarray]:
    loaded = load_scenario(path)
    scenario = loaded.scenario
    inputs = collect_inputs(scenario, loaded.provenance)
    return draw_inputs(inputs, scenario.seed if seed is None else seed, n, scenario.correlations,
                       loaded.provenance)


def test_adding_a_stock_component_keeps_the_other_draws(write_yaml, mini_text):
    base = draws(write_yaml("base.yaml", mini_text))
    more = mini_text.replace("[indexed_web]", "[indexed_web, books]").replace(
        "  repetition:", "  sources:\n    books:\n      quality: 100%\n  repetition:")
    bigger = draws(write_yaml("more.yaml", more))
    added = set(bigger) - set(base)
    assert added == {"supply.sources.books.stock", "supply.sources.books.growth",
                     "supply.sources.books.quality"}
    assert set(base) < set(bigger)
    for name in base:
        assert np.array_equal(base[name], bigger[name]), name


def test_adding_a_correlation_keeps_the_draws_of_other_inputs(write_yaml, mini_text):
    a, b = "demand.historical.current_largest", "demand.historical.growth"
    base = draws(write_yaml("base.yaml", mini_text), n=20_000)
    corr = mini_text + f"correlations:\n  - inputs: [{a}, {b}]\n    rank: 0.7\n"
    correlated = draws(write_yaml("corr.yaml", corr), n=20_000)
    assert set(base) == set(correlated)
    for name in set(base) - {a, b}:
        assert np.array_equal(base[name], correlated[name]), name
    # the correlation took effect, so the test above compared a real change
    assert not np.array_equal(base[b], correlated[b])
    assert scipy.stats.spearmanr(correlated[a], correlated[b]).statistic == pytest.approx(0.7, abs=0.03)
    assert abs(scipy.stats.spearmanr(base[a], base[b]).statistic) < 0.03


def test_inputs_table_of_shared_inputs_is_unchanged_by_a_new_component(write_yaml, mini_text):
    def table(text, name):
        loaded = load_scenario(write_yaml(name, text))
        result = engine.run(loaded.scenario, samples=SAMPLES, provenance=loaded.provenance)
        return result.inputs.set_index("input")[["p5", "p50", "p95"]]

    base = table(mini_text, "base.yaml")
    more = table(mini_text.replace("[indexed_web]", "[indexed_web, books]").replace(
        "  repetition:", "  sources:\n    books:\n      quality: 100%\n  repetition:"), "more.yaml")
    assert len(more) == len(base) + 3
    assert more.loc[base.index].equals(base)


# --- sampled intervals match what was asked for ----------------------------------------------

def text_stock_row(component: str) -> dict[str, str]:
    with open(ROOT / "data" / "text_stock.csv", encoding="utf-8") as fh:
        lines = [line for line in fh if not line.startswith("#")]
    return next(row for row in csv.DictReader(lines) if row["component"] == component)


def test_sampled_interval_ends_match_the_request_at_200k(write_yaml, mini_text):
    text = (mini_text
            .replace("multiplier: 2 to 5", "multiplier: {value: 2 to 5, credibility: 95}")
            .replace("  repetition:", "  sources:\n    indexed_web:\n"
                                      "      quality: {dist: beta, p5: 10%, p95: 40%}\n  repetition:"))
    values = draws(write_yaml("s.yaml", text), n=200_000)
    web = text_stock_row("indexed_web")
    web_tail = (100 - float(web["credibility"])) / 200
    requested = {
        # name: (lower tail probability, low, high)
        "supply.repetition.multiplier": (0.025, 2.0, 5.0),
        "supply.sources.indexed_web.quality": (0.05, 0.10, 0.40),
        "demand.historical.current_largest": (0.05, 3e12, 13e12),
        "demand.historical.growth": (0.05, 2.0, 3.0),
        "supply.sources.indexed_web.stock": (web_tail, float(web["tokens_low"]), float(web["tokens_high"])),
    }
    for name, (tail, low, high) in requested.items():
        got_low, got_high = np.quantile(values[name], [tail, 1 - tail])
        assert got_low == pytest.approx(low, rel=0.01), name
        assert got_high == pytest.approx(high, rel=0.01), name


def test_sampled_normal_interval_matches_at_200k():
    spec = TypeAdapter(Number).validate_python("-1 to 3")
    values = draw_inputs({"x.y": Input("x.y", spec, "")}, seed=11, n=200_000)["x.y"]
    p5, p95 = np.quantile(values, [0.05, 0.95])
    width = 3 - (-1)
    assert abs(p5 - (-1)) < 0.01 * width
    assert abs(p95 - 3) < 0.01 * width


def test_draws_depend_only_on_seed_and_name():
    spec = TypeAdapter(Number).validate_python("1 to 10")
    one = draw_inputs({"a.b": Input("a.b", spec, "")}, seed=3, n=1000)
    two = draw_inputs({"z.z": Input("z.z", spec, ""), "a.b": Input("a.b", spec, "somewhere:1")},
                      seed=3, n=1000)
    other = draw_inputs({"a.c": Input("a.c", spec, "")}, seed=3, n=1000)
    assert np.array_equal(one["a.b"], two["a.b"])
    assert not np.array_equal(one["a.b"], other["a.c"])
