"""`peakdata validate` rejects what `peakdata run` could not use, before any simulation."""
from __future__ import annotations

from pathlib import Path

import pytest

from forecast.errors import ScenarioError
from forecast.io.scenario import load_scenario

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def _variant(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "variant.yaml"
    path.write_text(f"extends: {SCENARIOS / 'baseline.yaml'}\nname: variant\n{body}", encoding="utf-8")
    return path


def test_component_without_a_reference_year_is_rejected(tmp_path):
    path = _variant(tmp_path, """supply:
  include: [indexed_web, news]
  sources:
    news: {stock: 10T, growth: 1.05x/yr, quality: 50%}
""")
    with pytest.raises(ScenarioError, match="'news' has no reference_year"):
        load_scenario(path)


def test_contradictory_correlations_are_rejected_at_validate(tmp_path):
    path = _variant(tmp_path, """correlations:
  - {inputs: [supply.repetition.multiplier, demand.historical_weight], rank: 0.95}
  - {inputs: [supply.repetition.multiplier, demand.compute.growth], rank: 0.95}
  - {inputs: [demand.historical_weight, demand.compute.growth], rank: -0.95}
""")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    problem = err.value.problems[0]
    assert problem.field == "correlations" and problem.line == 3
    assert "correlated_uniforms" not in problem.message


def test_the_fitted_growth_cannot_be_correlated(tmp_path):
    path = _variant(tmp_path, """correlations:
  - {inputs: [demand.historical.growth, demand.compute.growth], rank: 0.5}
""")
    with pytest.raises(ScenarioError, match="fitted growth comes from the bootstrap"):
        load_scenario(path)


def test_a_stated_growth_can_be_correlated_and_runs(tmp_path):
    import forecast.engine as engine

    path = _variant(tmp_path, """demand:
  historical:
    growth: 2x/yr to 3x/yr
correlations:
  - {inputs: [demand.historical.growth, demand.compute.growth], rank: 0.8}
""")
    item = load_scenario(path)
    result = engine.run(item.scenario, samples=2000, provenance=item.provenance)
    assert "exhaustion" in result.events
