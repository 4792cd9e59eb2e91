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
  include: [books, news]
  sources:
    books: {quality: 100%}
    news: {stock: 10T, growth: 1.05x/yr, quality: 50%}
""")
    with pytest.raises(ScenarioError, match="has no reference_year for 'news'") as err:
        load_scenario(path)
    assert [(p.line, p.field) for p in err.value.problems] == [(7, "supply.include.1")]


# --- stock components: overlaps, missing values, non-text ------------------------------------

def test_overlapping_components_are_refused_with_every_pair(tmp_path):
    # data/text_stock.csv, column overlaps: common_crawl ⊂ indexed_web ⊂ whole_web.
    path = _variant(tmp_path, """supply:
  include: [indexed_web, whole_web, common_crawl]
  sources:
    whole_web: {quality: 20%}
    common_crawl: {growth: 1.08x/yr}
""")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    problems = err.value.problems
    assert [(p.file, p.line, p.col, p.field) for p in problems] == [
        (str(path), 4, 26, "supply.include.1"), (str(path), 4, 37, "supply.include.2"),
        (str(path), 4, 37, "supply.include.2")]
    assert "whole_web overlaps indexed_web" in problems[0].message
    assert "common_crawl overlaps indexed_web" in problems[1].message
    assert "common_crawl overlaps whole_web" in problems[2].message
    assert "counted twice" in problems[0].message and "data/README.md" in problems[0].hint


def test_overlaps_column_is_symmetric_and_names_real_components():
    from forecast.io.references import read_reference

    frame = read_reference("text_stock.csv").set_index("component")
    overlaps = {c: set(str(v).split()) for c, v in frame["overlaps"].dropna().items()}
    assert overlaps["indexed_web"] >= {"common_crawl", "whole_web"}
    for component, others in overlaps.items():
        assert others <= set(frame.index), component
        for other in others:
            assert component in overlaps.get(other, set()), (component, other)


def test_every_missing_value_is_listed_at_once_with_its_yaml_key(tmp_path):
    # books has no quality; instant_messages has neither growth nor quality (data/text_stock.csv).
    path = _variant(tmp_path, """supply:
  include: [books, instant_messages]
""")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    problems = err.value.problems
    assert [p.field for p in problems] == ["supply.sources.books.quality",
                                           "supply.sources.instant_messages.growth",
                                           "supply.sources.instant_messages.quality"]
    assert [(p.line, p.col) for p in problems] == [(4, 13), (4, 20), (4, 20)]
    assert problems[0].message == "data/text_stock.csv:7 has no quality for 'books'"
    assert problems[1].hint.startswith("add supply.sources.instant_messages.growth: ... to the scenario")


def test_the_engine_lists_missing_values_too():
    # A Scenario built in Python (no file) reaches the same check when it is run.
    import forecast.engine as engine

    item = load_scenario(SCENARIOS / "baseline.yaml")
    supply = item.scenario.supply.model_copy(update={"include": ("books", "instant_messages")})
    with pytest.raises(ScenarioError) as err:
        engine.run(item.scenario.model_copy(update={"supply": supply}), samples=10)
    assert [p.field for p in err.value.problems][0] == "supply.sources.books.quality"


def test_non_text_component_is_a_warning_naming_its_conversion(tmp_path):
    path = _variant(tmp_path, """supply:
  include: [indexed_web, video]
  sources:
    video: {growth: 1.2x/yr, quality: 10%}
""")
    item = load_scenario(path)
    [warning] = item.warnings
    assert (warning.line, warning.col, warning.field) == (4, 26, "supply.include.1")
    assert "video is not text" in warning.message
    assert "30 tokens per second of video" in warning.message
    assert load_scenario(SCENARIOS / "baseline.yaml").warnings == ()


# --- numbers too large for a float -------------------------------------------------------------

@pytest.mark.parametrize("value, where", [("1e400", "value"), ('"1e300T to 1e301T"', "interval"),
                                          ('"1e400"', "text")])
def test_a_number_that_overflows_says_so(tmp_path, value, where):
    path = _variant(tmp_path, f"""demand:
  historical:
    current_largest: {value}
""")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    [problem] = err.value.problems
    assert (problem.line, problem.field) == (5, "demand.historical.current_largest")
    assert "got inf" not in problem.message
    assert "overflows" in problem.message + problem.hint and "check the exponent" in problem.hint


# --- names of scenarios run together -------------------------------------------------------------

def test_two_scenarios_with_one_name_are_found(tmp_path):
    from forecast.io.scenario import duplicate_name_problems

    one = _variant(tmp_path, "")
    (tmp_path / "elsewhere").mkdir()          # in another folder: one name is refused only when run together
    other = tmp_path / "elsewhere" / "other.yaml"
    other.write_text(f"extends: {SCENARIOS / 'slow-growth.yaml'}\nname: variant\n", encoding="utf-8")
    items = [load_scenario(one), load_scenario(other), load_scenario(SCENARIOS / "baseline.yaml")]
    [(item, problem)] = duplicate_name_problems(items)
    assert item is items[1]
    assert (problem.file, problem.line, problem.col, problem.field) == (str(other), 2, 1, "name")
    assert f"'variant' is also the name of {one}" in problem.message


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
