"""Scenario titles (issue 26 item 2): a plain-language ``title:`` readers see in the report's text,
tables and chart labels; the file's ``name`` stays the id. A missing title falls back to the id (a
variant does not inherit its parent's), a bad one is refused at its file and line, and a title is a
label, not an input: it leaves the scenario's hash alone."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from forecast.cli.app import app
from forecast.errors import ScenarioError
from forecast.io.scenario import load_scenario, scenario_hash
from forecast.schema.scenario import MAX_TITLE

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted((ROOT / "scenarios").glob("*.yaml")) + sorted((ROOT / "scenarios" / "decomposition").glob("*.yaml"))


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_shipped_scenario_has_a_short_title_of_its_own(path):
    scenario = load_scenario(path).scenario
    assert scenario.title and len(scenario.title) <= MAX_TITLE
    assert scenario.title != scenario.name
    assert path.read_text(encoding="utf-8").count("\ntitle: ") == 1      # set in this file, not inherited


def test_the_baseline_is_titled_after_its_paper():
    assert load_scenario(ROOT / "scenarios" / "baseline.yaml").scenario.title == "Baseline (Villalobos et al. 2024)"


def test_titles_are_unique_across_the_shipped_scenarios():
    titles = [load_scenario(path).scenario.title for path in SHIPPED]
    assert len(set(titles)) == len(titles)


def test_a_variant_without_a_title_shows_its_id_not_its_parents_title(tmp_path):
    (tmp_path / "parent.yaml").write_text((ROOT / "tests" / "golden" / "report" / "mini-supply.yaml")
                                          .read_text(encoding="utf-8") + "title: The parent\n", encoding="utf-8")
    (tmp_path / "child.yaml").write_text("extends: parent.yaml\nname: child\n", encoding="utf-8")
    (tmp_path / "own.yaml").write_text("extends: parent.yaml\nname: own\ntitle: '  Its   own '\n", encoding="utf-8")
    assert load_scenario(tmp_path / "parent.yaml").scenario.title == "The parent"
    assert load_scenario(tmp_path / "child.yaml").scenario.title is None
    assert load_scenario(tmp_path / "own.yaml").scenario.title == "Its own"     # spaces collapsed


def test_a_title_is_not_an_input_and_keeps_the_hash(write_yaml, mini_text):
    plain = load_scenario(write_yaml("a.yaml", mini_text)).scenario
    titled = load_scenario(write_yaml("b.yaml", mini_text + "title: A small world\n")).scenario
    assert titled.title == "A small world" and plain.title is None
    assert scenario_hash(plain) == scenario_hash(titled)


@pytest.mark.parametrize("value, words", [
    ("''", "write a few words"),
    ("x" * (MAX_TITLE + 1), f"too long to label a chart line (keep it to {MAX_TITLE} characters"),
    ("[a, b]", "title"),
])
def test_a_bad_title_is_refused_at_its_file_and_line(write_yaml, mini_text, value, words):
    path = write_yaml("s.yaml", mini_text + f"title: {value}\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    (problem,) = info.value.problems
    line = mini_text.count("\n") + 1
    assert (Path(problem.file).name, problem.line, problem.field) == ("s.yaml", line, "title")
    assert words in str(problem)
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2 and f"s.yaml:{line}" in result.output and "Traceback" not in result.output


def test_report_labels_are_title_and_id(write_yaml, mini_text):
    """The comparison tables' first column reads ``title (id)``; the Summary and chart titles the title."""
    from forecast.engine.runs import run_scenarios
    from forecast.report import sections as S

    titled = write_yaml("t.yaml", mini_text.replace("name: mini", "name: mini-t") + "title: A small world\n")
    plain = write_yaml("p.yaml", mini_text)
    runs = run_scenarios([titled, plain], samples=200)
    assert [S.title_of(r) for r in runs] == ["A small world", "mini"]
    assert [S.labelled(r) for r in runs] == ["A small world (mini-t)", "mini"]
    shown, raw = S.summary_supply_frame(runs)
    assert list(shown["scenario"]) == ["A small world (mini-t)", "mini"]
    assert list(raw["scenario"]) == ["mini-t", "mini"]                  # data/*.csv keep the id
    assert list(S.comparison_frame(runs)["scenario"]) == ["A small world (mini-t)", "mini"]


def test_chart_lines_are_labelled_with_titles():
    import matplotlib

    matplotlib.use("Agg")
    from forecast.report.charts import fans

    frame = pd.DataFrame({"scenario": ["baseline"] * 2 + ["slow-growth"] * 2, "quarter": ["2024Q1", "2024Q2"] * 2,
                          "probability": [0.1, 0.2, 0.05, 0.1]})
    labels = {"baseline": "Baseline (Villalobos et al. 2024)", "slow-growth": "Slower dataset and compute growth"}
    fig = fans.exhaustion_probability_chart(frame, "t", "s", labels=labels)
    texts = {t.get_text() for ax in fig.axes for t in ax.texts}
    assert set(labels.values()) <= texts and not {"baseline", "slow-growth"} & texts
    gap = frame.rename(columns={"probability": "synthetic_share_p50"}).assign(synthetic_needed_p50=1e12)
    fig = fans.synthetic_gap_chart(gap, "t", "s", labels=labels)
    texts = {t.get_text() for ax in fig.axes for t in ax.texts}
    assert set(labels.values()) <= texts
    for fig in (fans.exhaustion_probability_chart(frame, "t", "s", labels=labels), fig):
        fig.canvas.draw()                                               # every label inside the image
        renderer = fig.canvas.get_renderer()
        for text in (t for ax in fig.axes for t in ax.texts):
            assert text.get_window_extent(renderer).x1 <= fig.bbox.x1, text.get_text()
    fig = fans.exhaustion_probability_chart(frame, "t", "s")             # no labels: the ids
    assert {"baseline", "slow-growth"} <= {t.get_text() for ax in fig.axes for t in ax.texts}
