"""Every scenario shipped in scenarios/ loads, validates and runs (samples=500).

The files are globbed, so a new scenario is tested the moment it is added.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import forecast.engine as engine
from forecast.io.scenario import load_scenario
from forecast.result import STAT_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml")) + sorted((ROOT / "scenarios" / "decomposition").glob("*.yaml"))
SAMPLES = 500


def test_scenarios_folder_is_not_empty():
    assert len(SCENARIOS) >= 5
    assert ROOT / "scenarios" / "baseline.yaml" in SCENARIOS


@pytest.fixture(scope="module", params=SCENARIOS, ids=[p.name for p in SCENARIOS])
def loaded_and_run(request):
    loaded = load_scenario(request.param)
    result = engine.run(loaded.scenario, samples=SAMPLES, provenance=loaded.provenance)
    return request.param, loaded, result


def test_loads_and_names_the_files_it_read(loaded_and_run):
    path, loaded, _ = loaded_and_run
    assert loaded.path == str(path)
    assert loaded.files[0] == str(path)
    assert all(Path(f).is_file() for f in loaded.files)


def test_scenario_names_are_unique():
    """`peakdata run scenarios/*.yaml` writes reports/<name>/: two files must not share a name."""
    names = [load_scenario(path).scenario.name for path in SCENARIOS]
    assert len(names) == len(set(names)), names


def test_runs_with_the_requested_samples(loaded_and_run):
    _, loaded, result = loaded_and_run
    scenario = loaded.scenario
    assert result.samples == SAMPLES
    assert result.seed == scenario.seed
    assert result.scenario == scenario.name
    assert result.quarters == tuple(str(q) for q in scenario.horizon.quarters)


def test_statistics_have_the_horizon_shape_and_ordered_quantiles(loaded_and_run):
    _, loaded, result = loaded_and_run
    if loaded.scenario.supply is not None:
        assert {"stock", "demand"} <= set(result.stats)
    for name, table in result.stats.items():
        assert table.shape == (len(result.quarters), len(STAT_COLUMNS)), name
        quantiles = table[:, 1:]
        finite = np.isfinite(quantiles).all(axis=1)
        assert finite.any(), name
        assert (np.diff(quantiles[finite], axis=1) >= -1e-9 * np.abs(quantiles[finite][:, 1:])).all(), name


def test_events_hold_one_quarter_per_sample(loaded_and_run):
    _, _, result = loaded_and_run
    for name, first in result.events.items():
        assert first.shape == (SAMPLES,), name
        assert first.min() >= 0 and first.max() <= len(result.quarters), name


def test_every_input_says_where_it_was_set_and_ranges_cite_a_source(loaded_and_run):
    """Every number comes from a scenario file or data/; an uncertain range names its source."""
    _, _, result = loaded_and_run
    inputs = result.inputs
    assert len(inputs) > 0
    assert inputs["input"].is_unique
    uncertain = inputs[inputs["dist"] != "fixed"]
    unsourced = uncertain.loc[uncertain["source"].str.strip() == "", "input"].tolist()
    assert unsourced == []
    unplaced = inputs.loc[inputs["set_at"].str.strip() == "", "input"].tolist()
    assert unplaced == []
    for where in inputs["set_at"]:
        file, _, line = where.rpartition(":")
        assert line.isdigit() and int(line) >= 1, where
        assert (ROOT / file).is_file() or Path(file).is_file(), where
