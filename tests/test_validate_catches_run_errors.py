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


# --- data files a scenario names (human_share_data, fit.data) -------------------------------------
# Each is checked by validate: inside the data folder, present, a reference CSV with the columns and
# values the run reads. What validate passes, run runs.

@pytest.fixture
def data(tmp_path):
    """A copy of data/ to change."""
    import shutil

    from forecast.io.references import data_dir

    folder = tmp_path / "data"
    shutil.copytree(data_dir(), folder)
    return folder


def _inflow(tmp_path: Path, body: str = "") -> Path:
    path = tmp_path / "inflow.yaml"
    path.write_text(f"extends: {SCENARIOS / 'ai-written-inflow.yaml'}\nname: inflow\n{body}", encoding="utf-8")
    return path


def test_a_missing_data_file_is_refused_at_its_field(tmp_path):
    path = _inflow(tmp_path, "supply:\n  dynamics:\n    human_share_data: shares.csv\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    [problem] = err.value.problems
    assert (problem.file, problem.line, problem.col, problem.field) == (
        str(path), 5, 5, "supply.dynamics.human_share_data")
    assert problem.message.startswith("data file shares.csv not found in ")
    assert "PEAKDATA_DATA" in problem.hint


def test_a_missing_default_data_file_is_located_at_what_asks_for_it(tmp_path, data):
    # human_share_data is left at its default; human_share: data (ai-written-inflow.yaml:16) reads it.
    (data / "human_share.csv").unlink()
    with pytest.raises(ScenarioError) as err:
        load_scenario(SCENARIOS / "ai-written-inflow.yaml", data_dir=data)
    [problem] = err.value.problems
    assert (Path(problem.file).name, problem.line, problem.field) == (
        "ai-written-inflow.yaml", 18, "supply.dynamics.human_share_data")
    assert problem.message == (f"data file human_share.csv (the default of human_share_data) not found in {data}")


def test_a_data_file_without_the_columns_the_run_reads_is_refused(tmp_path):
    path = _inflow(tmp_path, "supply:\n  dynamics:\n    human_share_data: hardware.csv\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    [problem] = err.value.problems
    assert problem.line == 5 and problem.message == "data file hardware.csv has no column 'year' or 'human_share'"
    assert problem.hint == "it needs year, human_share and source"


def test_a_data_file_with_a_word_for_a_number_names_its_line(tmp_path, data):
    text = (data / "human_share.csv").read_text(encoding="utf-8").replace(",2023.875,0.641,", ",2023.875,about half,")
    (data / "human_share.csv").write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_scenario(SCENARIOS / "ai-written-inflow.yaml", data_dir=data)
    [problem] = err.value.problems
    # human_share.csv: two comment lines, the header, 2022-11-01 on line 4, 2023-11-01 on line 5
    assert problem.message == "data file human_share.csv (the default of human_share_data) line 5: human_share 'about half' is not a number"
    text = (data / "human_share.csv").read_text(encoding="utf-8").replace(",2023.875,about half,", ",2023.875,,")
    (data / "human_share.csv").write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError, match="human_share.csv .* line 5: human_share is empty"):
        load_scenario(SCENARIOS / "ai-written-inflow.yaml", data_dir=data)


def test_a_trend_file_with_a_bad_date_names_its_line(tmp_path, data):
    text = (data / "notable_models.csv").read_text(encoding="utf-8").splitlines()
    row = text[3].split(",")
    assert row[2][:2] == "20"                      # the date column of the first row
    text[3] = ",".join(row[:2] + ["sometime"] + row[3:])
    (data / "notable_models.csv").write_text("\n".join(text) + "\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_scenario(SCENARIOS / "baseline.yaml", data_dir=data)
    [problem] = err.value.problems
    assert (Path(problem.file).name, problem.line, problem.field) == ("baseline.yaml", 45, "demand.historical.fit.data")
    assert problem.message == "data file notable_models.csv line 4: date 'sometime' is not a date such as 2024-07-01"


def test_a_method_fit_needs_the_model_and_compute_columns(tmp_path, data):
    (data / "tokens.csv").write_text("date,training_tokens,source\n2020-01-01,3e11,x\n", encoding="utf-8")
    path = _variant(tmp_path, "demand:\n  historical:\n    fit:\n      data: tokens.csv\n      method: ols\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path, data_dir=data)
    [problem] = err.value.problems
    assert problem.line == 6 and problem.field == "demand.historical.fit.data"
    assert problem.message == "data file tokens.csv has no column 'training_compute_flop' or 'model'"
    # the same file passes for a bootstrap fit, which reads date and training_tokens only (with a
    # stated level: the bootstrap fits every model's size, not the largest)
    load_scenario(_variant(tmp_path, "demand:\n  historical:\n    current_largest: 3T to 13T\n    reference: 2024Q1\n"
                                     "    fit:\n      data: tokens.csv\n      method: null\n      as_of: null\n"
                                     "      start_year: 2018\n      end_year: 2024\n      bootstrap: 1000\n"),
                  data_dir=data)


def test_what_validate_passes_run_runs_from_a_subfolder_of_data(tmp_path, data):
    import forecast.engine as engine

    (data / "mine").mkdir()
    (data / "human_share.csv").rename(data / "mine" / "share.csv")
    path = _inflow(tmp_path, "supply:\n  dynamics:\n    human_share_data: mine/share.csv\n")
    item = load_scenario(path, data_dir=data)
    result = engine.run(item.scenario, samples=500, provenance=item.provenance, data_dir=data)
    assert "exhaustion" in result.events
    assert "mine/share.csv" in result.notes["data_files"]


def test_a_symbolic_link_out_of_the_data_folder_is_refused(tmp_path, data):
    (tmp_path / "elsewhere.csv").write_bytes((data / "human_share.csv").read_bytes())
    (data / "linked.csv").symlink_to(tmp_path / "elsewhere.csv")
    path = _inflow(tmp_path, "supply:\n  dynamics:\n    human_share_data: linked.csv\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path, data_dir=data)
    [problem] = err.value.problems
    assert (problem.line, problem.field) == (5, "supply.dynamics.human_share_data")
    assert problem.message == f"data file linked.csv resolves outside the data folder {data}"
