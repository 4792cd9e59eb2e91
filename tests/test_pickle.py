"""The engine is one pure call on picklable inputs, so sweeps can later run on Dask workers."""
from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np

import forecast.engine as engine
from forecast.io.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]


def test_scenario_and_result_survive_pickling_and_give_identical_runs():
    for name in ("baseline.yaml", "mix-sweep.yaml"):
        item = load_scenario(ROOT / "scenarios" / name)
        clone = pickle.loads(pickle.dumps(item.scenario))
        assert clone == item.scenario
        a = engine.run(item.scenario, samples=400)
        b = engine.run(clone, samples=400)
        b = pickle.loads(pickle.dumps(b))
        assert a.scenario_hash == b.scenario_hash
        for key in a.stats:
            assert np.array_equal(a.stats[key], b.stats[key], equal_nan=True)
        for key in a.tables:
            assert a.tables[key].equals(b.tables[key])
