"""Changes since last quarter: two consecutive quarters with one changed scenario input and one
changed data row name both and split each headline move between them."""
from __future__ import annotations

import math
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

import forecast.engine as engine
from forecast.analysis import changes as changes_module
from forecast.store.archive import load_run, record_report
from forecast.analysis.changes import FileChange, InputChange, RowChange, changes_since, diff_csv, diff_scenarios
from forecast.report.changes import changes_markdown, changes_markdown_context, format_change, section
from forecast.outputs import headline
from forecast.engine.runs import run_scenarios

ROOT = Path(__file__).resolve().parents[1]

#: The one input changed between the quarters (mini scenario, line 14).
OLD_INPUT, NEW_INPUT = "current_largest: 3T to 13T", "current_largest: 5T to 13T"
#: The one data row changed: the indexed web's high stock estimate (data/text_stock.csv line 4).
OLD_ROW, NEW_ROW = "1.3e+14,5.1e+14,2.1e+15", "1.3e+14,5.1e+14,1.2e+15"


class Quarters:
    """An archive with 2026Q3 run on a copy of data/, and the files to run 2026Q4 from."""

    def __init__(self, tmp_path: Path, mini_text: str) -> None:
        self.db = tmp_path / "archive.sqlite"
        self.old_data, self.new_data = tmp_path / "data-q3", tmp_path / "data-q4"
        shutil.copytree(ROOT / "data", self.old_data)
        shutil.copytree(ROOT / "data", self.new_data)
        self.scenario = tmp_path / "mini.yaml"
        self.text = mini_text
        self.scenario.write_text(mini_text, encoding="utf-8")
        self.old_runs = run_scenarios([self.scenario], data_dir=self.old_data)
        record_report(self.db, "2026Q3", self.old_runs, data_dir=self.old_data)

    def change_input(self) -> None:
        assert OLD_INPUT in self.text
        self.scenario.write_text(self.text.replace(OLD_INPUT, NEW_INPUT), encoding="utf-8")

    def change_row(self) -> None:
        path = self.new_data / "text_stock.csv"
        text = path.read_text(encoding="utf-8")
        assert text.count(OLD_ROW) == 1
        path.write_text(text.replace(OLD_ROW, NEW_ROW), encoding="utf-8")

    def now(self):
        runs = run_scenarios([self.scenario], data_dir=self.new_data)
        return runs, changes_since(self.db, "2026Q4", runs, data_dir=self.new_data)


@pytest.fixture
def quarters(tmp_path, mini_text):
    return Quarters(tmp_path, mini_text)


def test_changes_name_the_input_and_the_row_and_split_the_move(quarters):
    quarters.change_input()
    quarters.change_row()
    runs, changes = quarters.now()
    assert (changes.quarter, changes.previous) == ("2026Q4", "2026Q3")
    (mini,) = changes.scenarios
    assert mini.inputs == (InputChange("demand.historical.current_largest", "3T to 13T (90%)", "5T to 13T (90%)"),)
    assert changes.data == (FileChange(
        "text_stock.csv", load_run(quarters.db, "2026Q3").data_hashes["text_stock.csv"],
        changes.data[0].new_sha256,
        (RowChange("changed", "indexed_web", 4, (("tokens_high", "2.1e+15", "1.2e+15"),)),)),)
    assert mini.data_files == ("text_stock.csv",)

    # the four corners, run here independently: f(scenario, data), o = 2026Q3, n = 2026Q4
    old_scenario = quarters.old_runs[0].file.scenario
    new_scenario = runs[0].file.scenario
    f_oo = headline(quarters.old_runs[0].result)
    f_nn = headline(runs[0].result)
    f_on = headline(engine.run(old_scenario, data_dir=quarters.new_data))
    f_no = headline(engine.run(new_scenario, data_dir=quarters.old_data))
    moves = {move.key: move for move in mini.moves}
    median = moves["exhaustion.p50"]
    assert (median.old, median.new) == (f_oo["exhaustion.p50"], f_nn["exhaustion.p50"])
    # a larger dataset today and a smaller stock both bring exhaustion earlier
    assert median.from_scenario < 0 and median.from_data < 0 and median.from_model == 0
    for key, move in moves.items():
        if not math.isfinite(move.old):            # P(by 2032): the 2030Q4 horizon ends before it
            assert key == "exhaustion.by_2032" and move.from_scenario is None
            continue
        assert move.from_scenario == pytest.approx(0.5 * ((f_no[key] - f_oo[key]) + (f_nn[key] - f_on[key])))
        assert move.from_data == pytest.approx(0.5 * ((f_on[key] - f_oo[key]) + (f_nn[key] - f_no[key])))
        assert move.from_scenario + move.from_data == pytest.approx(move.total, abs=1e-12)
        assert move.total == pytest.approx(f_nn[key] - f_oo[key], abs=1e-12)
    assert {m.key for m in mini.moved} >= {"exhaustion.p10", "exhaustion.p50", "exhaustion.p90"}

    text = changes_markdown(changes)
    # one row per edit, located to the file and line that set it
    assert (f"| {quarters.scenario}:12 | `demand.historical.current_largest` | 3T to 13T (90%) | 5T to 13T (90%) "
            "| mini |") in text
    assert "| indexed_web | data/text_stock.csv:4 | tokens_high 2.1e+15 → 1.2e+15 |" in text
    assert "`data/text_stock.csv`: 1 row changed." in text
    assert "From the model" not in text                      # same peakdata version, no residual


def test_the_same_inputs_give_the_same_attribution(quarters):
    quarters.change_input()
    quarters.change_row()
    _, first = quarters.now()
    _, second = quarters.now()
    assert repr(first) == repr(second)                        # repr: nan figures compare unequal
    assert changes_markdown(first) == changes_markdown(second)


def test_a_changed_input_alone_takes_the_whole_move_without_extra_runs(quarters, monkeypatch):
    quarters.change_input()
    runs = run_scenarios([quarters.scenario], data_dir=quarters.new_data)
    calls = []
    monkeypatch.setattr(changes_module, "_run_headline", lambda *a: calls.append(a) or {})
    changes = changes_since(quarters.db, "2026Q4", runs, data_dir=quarters.new_data)
    assert calls == [] and changes.data == ()
    median = {m.key: m for m in changes.scenarios[0].moves}["exhaustion.p50"]
    assert median.from_data == 0 and median.from_scenario == median.total != 0


def test_a_changed_row_alone_takes_the_whole_move(quarters):
    quarters.change_row()
    _, changes = quarters.now()
    (mini,) = changes.scenarios
    assert mini.inputs == () and mini.data_files == ("text_stock.csv",)
    median = {m.key: m for m in mini.moves}["exhaustion.p50"]
    assert median.from_scenario == 0 and median.from_data == median.total != 0


def test_nothing_changed_says_so(quarters):
    runs, changes = quarters.now()
    assert not changes.any and changes.scenarios[0].moved == ()
    assert changes_markdown(changes).startswith("Nothing changed since 2026Q3")
    assert section(quarters.db, "2026Q4", runs, quarters.new_data)["against"] == "2026Q3"


def test_no_earlier_quarter_gives_none(quarters):
    runs = run_scenarios([quarters.scenario], data_dir=quarters.new_data)
    assert changes_since(quarters.db, "2026Q3", runs, data_dir=quarters.new_data) is None   # same quarter
    assert changes_since(quarters.db, "2025Q4", runs, data_dir=quarters.new_data) is None
    assert section(quarters.db, "2026Q3", runs, quarters.new_data) is None
    assert changes_markdown(None).startswith("No earlier quarter is in the run archive")


def test_changes_compare_with_the_last_full_run_not_a_later_partial_one(tmp_path, quarters, mini_text):
    """2026Q3's full run (two scenarios), then a quick partial 2026Q3 run of one of them with an edited
    input: 2026Q4 compares with the full run, so nothing is "new" and the edit is not the baseline."""
    two = tmp_path / "mini-two.yaml"
    two.write_text(mini_text.replace("name: mini", "name: mini-two"), encoding="utf-8")
    full = run_scenarios([quarters.scenario, two], data_dir=quarters.old_data)
    assert record_report(quarters.db, "2026Q3", full, data_dir=quarters.old_data) == 2
    quarters.change_input()
    quick = run_scenarios([quarters.scenario], samples=300, data_dir=quarters.old_data)
    assert record_report(quarters.db, "2026Q3", quick, data_dir=quarters.old_data, full=False) == 3
    quarters.scenario.write_text(mini_text, encoding="utf-8")               # the edit is undone
    now = run_scenarios([quarters.scenario, two], data_dir=quarters.old_data)
    changes = changes_since(quarters.db, "2026Q4", now, data_dir=quarters.old_data)
    assert (changes.previous, changes.previous_run) == ("2026Q3", 2)
    assert changes.added == () and changes.removed == ()          # against run 3: "mini-two" would be new
    assert not changes.any                                        # nor the 3T → 5T edit and 300 samples
    # a partial report itself: the full run's scenarios it leaves out are not "removed"
    alone = now[:1]
    assert changes_since(quarters.db, "2026Q4", alone, data_dir=quarters.old_data).removed == ("mini-two",)
    partial = changes_since(quarters.db, "2026Q4", alone, data_dir=quarters.old_data, partial=True)
    assert partial.removed == () and partial.previous_run == 2
    text = changes_markdown(changes_since(quarters.db, "2026Q4", [run_scenarios(
        [two], samples=400, data_dir=quarters.old_data)[0]], data_dir=quarters.old_data, partial=True))
    assert "Against the report of 2026Q3 (run 2 in the archive, that quarter's latest full run)" in text


def test_a_move_with_no_input_or_data_change_is_the_models(quarters):
    """An archive figure the current code does not reproduce (as after a code change) is shown as
    "from the model", not blamed on the inputs or the data."""
    conn = sqlite3.connect(quarters.db)
    conn.execute("UPDATE headline SET value = value - 1 WHERE key = 'exhaustion.p50'")
    conn.commit()
    conn.close()
    _, changes = quarters.now()
    median = {m.key: m for m in changes.scenarios[0].moves}["exhaustion.p50"]
    assert (median.total, median.from_scenario, median.from_data, median.from_model) == (1.0, 0.0, 0.0, 1.0)
    context = changes_markdown_context(changes)
    assert context["show_model"] and context["moves"][0]["from_model"] == "4 quarters later"


def test_another_version_re_runs_the_old_scenario(quarters):
    conn = sqlite3.connect(quarters.db)
    conn.execute("UPDATE report_run SET version = '0.0.9'")
    conn.commit()
    conn.close()
    quarters.change_input()
    _, changes = quarters.now()
    median = {m.key: m for m in changes.scenarios[0].moves}["exhaustion.p50"]
    assert median.from_model == 0                 # the code did not really change
    assert changes.old_version == "0.0.9"
    assert "archive of 2026Q3 was written by peakdata 0.0.9" in changes_markdown(changes)


def test_added_and_removed_scenarios_are_listed(quarters, write_yaml, mini_text):
    other = write_yaml("other.yaml", mini_text.replace("name: mini", "name: other"))
    runs = run_scenarios([other], data_dir=quarters.new_data)
    changes = changes_since(quarters.db, "2026Q4", runs, data_dir=quarters.new_data)
    assert (changes.added, changes.removed, changes.scenarios) == (("other",), ("mini",), ())
    text = changes_markdown(changes)
    assert "New scenarios this quarter (no comparison): other." in text
    assert "Scenarios of 2026Q3 not run this quarter: mini." in text


def test_changes_markdown_tables_render_with_even_rows(quarters):
    quarters.change_input()
    quarters.change_row()
    _, changes = quarters.now()
    text = changes_markdown(changes)
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    tables = [t for t in tokens if t.type == "table_open"]
    assert len(tables) == 3                          # moves, inputs, data rows
    blocks, current = [], []
    for line in text.splitlines() + [""]:
        if line.startswith("|"):
            current.append(line)
        elif current:
            blocks.append(current)
            current = []
    for block in blocks:
        counts = {line.replace("\\|", "").count("|") for line in block}
        assert len(counts) == 1, block
    assert "<" not in text                            # no raw HTML


def test_diff_csv_matches_rows_on_their_leading_columns():
    old = (b"# prices\naccelerator,year,market,price,source\n"
           b"V100,2020,reserved_3yr,1.16,a\nV100,2020,reserved_1yr,1.95,a\nA100,2021,neocloud,1.10,b\n")
    new = (b"# prices\naccelerator,year,market,price,source\n"
           b"V100,2020,reserved_3yr,1.20,a\nA100,2021,neocloud,1.10,b\nH100,2024,neocloud,2.40,c\n")
    rows, notes = diff_csv(old, new)
    # accelerator alone and accelerator+year repeat; accelerator+year+market tells rows apart
    assert rows == (RowChange("changed", "V100, 2020, reserved_3yr", 3, (("price", "1.16", "1.20"),)),
                    RowChange("added", "H100, 2024, neocloud", 5),
                    RowChange("removed", "V100, 2020, reserved_1yr", 4))
    assert notes == ()
    rows, notes = diff_csv(old, new.replace(b"# prices", b"# prices (2025)").replace(b",source", b",source,note"))
    assert notes == ("comment lines changed", "columns added: note")


def test_diff_scenarios_reports_values_then_sources():
    import yaml

    from forecast.io.scenario import load_scenario
    from forecast.engine.runs import resolved_yaml

    base = resolved_yaml(load_scenario(ROOT / "scenarios" / "baseline.yaml"))
    data = yaml.safe_load(base)
    data["demand"]["compute"]["growth"]["source"] = "a newer Epoch AI estimate"
    data["samples"] = 20000
    data["description"] = "reworded"
    old_data = yaml.safe_load(base)
    old_data["correlations"] = [{"inputs": ["demand.compute.growth", "supply.repetition.multiplier"], "rank": 0.3}]
    data["correlations"] = [{"inputs": ["demand.compute.growth", "supply.repetition.multiplier"], "rank": 0.5}]
    changed = diff_scenarios(yaml.safe_dump(old_data, sort_keys=True), yaml.safe_dump(data, sort_keys=True))
    assert changed == (
        InputChange("correlations.0.rank", "0.3", "0.5"),
        InputChange("demand.compute.growth", "Sevilla & Roldan 2024, Training compute of frontier AI models "
                    "grows by 4-5x per year (Epoch AI)", "a newer Epoch AI estimate", "source"),
        InputChange("samples", "50000", "20000"))


def test_format_change_in_planners_words():
    assert format_change("exhaustion.p50", -0.75) == "3 quarters earlier"
    assert format_change("exhaustion.p50", 0.375) == "1.5 quarters later"
    assert format_change("exhaustion.p10", 0.25) == "1 quarter later"
    assert format_change("exhaustion.by_2028", 0.219) == "+21.9 pts"
    assert format_change("cost.total.p50", -210_000.0) == "−$210K"
    assert format_change("cost.total.p50", None) == "n/a"
    assert format_change("exhaustion.by_2026", 0.0002) == "+0.02 pts"      # small, but not "no change"
    assert format_change("exhaustion.by_2026", 0.0) == "no change"


def test_a_figure_leaving_the_horizon_is_stated_not_split():
    from forecast.analysis.changes import HeadlineMove
    from forecast.report.changes import _move_row

    row = _move_row("mini", HeadlineMove("exhaustion.p90", 2031.0, math.inf, None, None, None, None))
    assert (row["old"], row["new"], row["change"], row["from_data"]) == (
        "2030Q4", "after horizon", "later, past the horizon", "n/a")


def test_a_run_that_fails_on_the_other_data_is_noted_not_split(quarters, monkeypatch):
    from forecast.errors import DataError

    quarters.change_input()
    quarters.change_row()

    def fail(*args):
        raise DataError("text_stock.csv has no component 'extra_web'")

    monkeypatch.setattr(changes_module, "_run_headline", fail)
    _, changes = quarters.now()
    (mini,) = changes.scenarios
    median = {m.key: m for m in mini.moves}["exhaustion.p50"]
    assert median.total == median.new - median.old != 0 and median.from_scenario is None
    assert mini.inputs and mini.data_files == ("text_stock.csv",)
    assert "mini: the move is not split: a re-run on the other quarter's data failed" in changes_markdown(changes)


def _set_archive(db, sql: str) -> None:
    conn = sqlite3.connect(db)
    conn.execute(sql)
    conn.commit()
    conn.close()


def test_another_version_whose_code_moved_a_figure_shows_it_from_the_model(quarters):
    """The archive of 2026Q3 says 0.0.9 computed a median one year earlier than this code does on the
    same scenario and data: with a changed input too, the year is the model's and the rest the input's."""
    original = headline(quarters.old_runs[0].result)["exhaustion.p50"]
    _set_archive(quarters.db, "UPDATE report_run SET version = '0.0.9'")
    _set_archive(quarters.db, "UPDATE headline SET value = value - 1 WHERE key = 'exhaustion.p50'")
    quarters.change_input()
    runs, changes = quarters.now()
    median = {m.key: m for m in changes.scenarios[0].moves}["exhaustion.p50"]
    new = headline(runs[0].result)["exhaustion.p50"]
    assert (median.old, median.new) == (original - 1, new)
    assert median.from_model == 1.0                       # the old scenario re-run by this code, minus the archive
    assert median.from_scenario == new - original and median.from_data == 0.0
    assert median.from_model + median.from_scenario == median.total


def _changes_at(quarters, samples):
    runs = run_scenarios([quarters.scenario], samples=samples, data_dir=quarters.new_data)
    return runs, changes_since(quarters.db, "2026Q4", runs, data_dir=quarters.new_data)


def test_another_sample_count_is_a_changed_input_not_a_model_change(quarters):
    """2026Q3 ran the file's 1,000 samples, 2026Q4 runs 600 (``report -n 600``): the samples are listed
    as an input that changed, and every move is the inputs', none the model's."""
    runs, changes = _changes_at(quarters, 600)
    (mini,) = changes.scenarios
    assert mini.inputs == (InputChange("samples", "1000", "600"),)
    archived, now = headline(quarters.old_runs[0].result), headline(runs[0].result)
    assert mini.moved                                       # 600 draws do not give 1,000 draws' figures
    for move in mini.moves:
        if math.isfinite(move.old):
            assert (move.from_scenario, move.from_data, move.from_model) == (now[move.key] - archived[move.key],
                                                                             0.0, 0.0), move.key
    text = changes_markdown(changes)
    assert "| --samples | `samples` | 1000 | 600 | mini |" in text and "From the model" not in text


def test_another_version_and_sample_count_re_runs_the_old_scenario_at_its_own_samples(quarters):
    """Re-run at the archive's 1,000 samples, this (unchanged) code gives the archived figures again:
    nothing is the model's, and the sample count's move stays with the inputs."""
    _set_archive(quarters.db, "UPDATE report_run SET version = '0.0.9'")
    runs, changes = _changes_at(quarters, 600)
    (mini,) = changes.scenarios
    archived, now = headline(quarters.old_runs[0].result), headline(runs[0].result)
    assert changes.old_version == "0.0.9" and mini.moved
    for move in mini.moves:
        if math.isfinite(move.old):
            assert move.from_model == 0.0, move.key
            assert move.from_scenario == now[move.key] - archived[move.key], move.key
    assert "| --samples | `samples` | 1000 | 600 | mini |" in changes_markdown(changes)


# --------------------------------------------------------------------------- readable changes (issue 26 item 5)

class _Result:
    """The parts of a ForecastResult that figure_noise reads."""

    def __init__(self, positions, quarters: int, cost=None):
        import numpy as np

        self.samples = len(positions)
        self.events = {"exhaustion": np.asarray(positions, dtype=np.int32)}
        self.quarters = tuple(f"q{k}" for k in range(quarters))
        self.outcomes = {} if cost is None else {"cost.total": np.asarray(cost, dtype=float)}


def test_figure_noise_is_the_standard_error_of_each_figure():
    """100 samples, exhaustion at quarter positions 0..99: the median's quantiles at 0.5 ± sqrt(0.25/100)
    = 0.45 and 0.55 are positions 44 and 54 (inverted CDF, F(k) = (k + 1)/100), so its standard error
    is (54 − 44)/2 = 5 quarters = 1.25 years; P(by a year) 40% → 60% has sqrt(0.5 × 0.5/100) = 0.05."""
    from forecast.analysis.changes import figure_noise

    noise = figure_noise(_Result(range(100), 200, cost=[1000.0 * k for k in range(100)]),
                         {"exhaustion.by_2028": 0.4}, {"exhaustion.by_2028": 0.6, "exhaustion.p50": 2030.0})
    assert noise["exhaustion.p50"] == 1.25
    assert noise["exhaustion.by_2028"] == pytest.approx(0.05, abs=1e-15)
    assert noise["cost.total.p50"] == 5000.0                       # the same quantiles of $0, $1K, ... $99K
    # the upper quantile after the horizon (52 quarters): the lower side alone, 49 − 44 = 5 quarters
    assert figure_noise(_Result(range(100), 52), {}, {})["exhaustion.p50"] == 1.25
    # the median itself after the horizon: no standard error (the move is stated, never noise)
    assert "exhaustion.p90" not in figure_noise(_Result(range(100), 52), {}, {})


def _one(moves, inputs=(), name="baseline", file="scenarios/baseline.yaml"):
    from forecast.analysis.changes import Changes, ScenarioChanges

    return Changes("2026Q4", "2026Q3", "0.1.0", "0.1.0",
                   (ScenarioChanges(name, "a", "b", tuple(inputs), (), tuple(moves), file=file),), (), (), ())


def test_a_move_within_the_noise_reads_no_change():
    from forecast.analysis.changes import HeadlineMove
    from forecast.report.changes import summary_line

    tiny = HeadlineMove("exhaustion.by_2032", 0.951, 0.953, 0.002, 0.002, 0.0, 0.0, noise=0.001)
    assert tiny.significant                                         # 0.002 > 0.001: a move ...
    quiet = HeadlineMove("exhaustion.by_2032", 0.951, 0.953, 0.002, 0.002, 0.0, 0.0, noise=0.003)
    assert quiet.moved and not quiet.significant                    # ... 0.002 < 0.003: noise
    edit = InputChange("supply.repetition.multiplier", "2 to 5 (95%)", "2 to 4.9 (95%)",
                       where="scenarios/baseline.yaml:20")
    for move in (tiny, quiet):                                      # 95% → 95%: not visible either way
        context = changes_markdown_context(_one([move], [edit]))
        assert context["moves"] == [] and context["noise"] == ["baseline"]
    text = changes_markdown(_one([quiet], [edit]))
    assert "No headline figure moved." in text and "No change beyond Monte Carlo noise: baseline." in text
    assert "0.002" not in text and "+0.2 pts" not in text
    assert summary_line(_one([quiet], [edit])) == (
        "**Since 2026Q3**, after 1 input edit (`scenarios/baseline.yaml:20`): no headline figure moved beyond "
        "Monte Carlo noise. Every move: [Changes since last quarter](#changes-since-last-quarter), in the appendix.")


def test_rounded_changes_add_up_from_the_values_shown():
    """5.5% shows as 6% and 3.4% as 3%: the change reads −3 pts (not the unrounded −2.1), and its parts
    −1.3 and −0.8 pts round (largest remainders) to −2 and −1 pts, which add up to it."""
    from forecast.analysis.changes import HeadlineMove
    from forecast.report.changes import _move_row, apportion, shown_change

    move = HeadlineMove("exhaustion.by_2028", 0.055, 0.034, -0.021, -0.013, -0.008, 0.0, noise=0.001)
    row = _move_row("baseline", move)
    assert (row["old"], row["new"], row["change"]) == ("6%", "3%", "−3 pts")
    assert (row["from_scenario"], row["from_data"], row["from_model"]) == ("−2 pts", "−1 pt", "no change")
    # money: $1.04M → $1.1M is +$60K (not the unrounded +$50.2K), parts $25.0K each → $30K + $30K
    cost = HeadlineMove("cost.total.p50", 1.0449e6, 1.0951e6, 50_200.0, 25_100.4, 25_099.6, 0.0, noise=100.0)
    assert shown_change("cost.total.p50", cost.old, cost.new) == (60_000.0, 10_000.0, "usd")
    row = _move_row("palmyra-x-004", cost)
    assert (row["old"], row["new"], row["change"], row["from_scenario"], row["from_data"]) == (
        "$1.04M", "$1.1M", "+$60K", "+$30K", "+$30K")
    # quarters: 2029Q2 → 2028Q3 is 3 quarters; parts of 0.4 and 0.35 years → 2 and 1 quarters
    quarters = HeadlineMove("exhaustion.p50", 2029.5, 2028.75, -0.75, -0.4, -0.35, 0.0, noise=0.1)
    row = _move_row("baseline", quarters)
    assert (row["change"], row["from_scenario"], row["from_data"]) == (
        "3 quarters earlier", "2 quarters earlier", "1 quarter earlier")
    assert apportion([1.2, 1.2, 0.6], 3.0, 1.0) == [1.0, 1.0, 1.0]
    assert apportion([0.3, 0.3, 0.3], 0.0, 1.0) == [0.0, 0.0, 0.0]


def test_an_edit_is_one_row_with_the_scenarios_that_inherit_it():
    from forecast.analysis.changes import Changes, HeadlineMove, ScenarioChanges

    edit = lambda: InputChange("supply.sources.indexed_web.stock", "130T to 2100T (90%)",  # noqa: E731
                               "100T to 1000T (90%)", where="scenarios/baseline.yaml:19")
    moved = HeadlineMove("exhaustion.p50", 2029.5, 2028.75, -0.75, -0.75, 0.0, 0.0, noise=0.05)
    scenarios = tuple(ScenarioChanges(name, "a", "b", (edit(),), (), (moved,), file=f"scenarios/{name}.yaml")
                      for name in ("baseline", "overtrained-5x", "slow-growth"))
    changes = Changes("2026Q4", "2026Q3", "0.1.0", "0.1.0", scenarios, (), (), ())
    (row,) = changes_markdown_context(changes)["inputs"]
    assert (row["where"], row["scenarios"]) == ("scenarios/baseline.yaml:19",
                                                "baseline; inherited by overtrained-5x, slow-growth")
    assert ("| scenarios/baseline.yaml:19 | `supply.sources.indexed_web.stock` | 130T to 2100T (90%) | "
            "100T to 1000T (90%) | baseline; inherited by overtrained-5x, slow-growth |") in changes_markdown(changes)


WEB_STOCK_Q3, WEB_STOCK_Q4 = "      stock: 130T to 2100T\n", "      stock: 100T to 1000T\n"


@pytest.mark.slow
def test_two_quarters_of_reports_show_one_edit_and_its_moves(tmp_path):
    """The report of 2026Q3 of a copy of the baseline and two variants, then the baseline's web stock
    edited in the copy and the report of 2026Q4 into the same folder: its changes section (in the
    appendix) lists the edit once, located and inherited, and only moves that show; the Summary names it."""
    import os

    from typer.testing import CliRunner

    from forecast.cli.app import app

    shutil.copytree(ROOT / "data", tmp_path / "data")
    (tmp_path / "scenarios").mkdir()
    for name in ("baseline", "overtrained-5x", "slow-growth"):
        shutil.copy(ROOT / "scenarios" / f"{name}.yaml", tmp_path / "scenarios" / f"{name}.yaml")
    base = tmp_path / "scenarios" / "baseline.yaml"
    text = base.read_text(encoding="utf-8")
    anchor = "  include: [indexed_web]\n"
    assert text.count(anchor) == 1
    text = text.replace(anchor, anchor + "  sources:\n    indexed_web:\n" + WEB_STOCK_Q3)
    base.write_text(text, encoding="utf-8")
    line = text.splitlines().index(WEB_STOCK_Q3.rstrip("\n")) + 1

    def report(quarter: str) -> str:
        cwd = os.getcwd()
        os.chdir(tmp_path)
        try:
            result = CliRunner().invoke(app, ["report", "--quarter", quarter, "--out", "reports",
                                              "--trend-methods", "none"])
        finally:
            os.chdir(cwd)
        assert result.exit_code == 0, result.output
        return (tmp_path / "reports" / quarter / "report.md").read_text(encoding="utf-8")

    first = report("2026Q3")
    assert "**Since last quarter**: no earlier quarter is in the run archive" in first
    base.write_text(text.replace(WEB_STOCK_Q3, WEB_STOCK_Q4), encoding="utf-8")
    md = report("2026Q4")

    headings = re.findall(r"^## (.+)$", md, flags=re.M)
    assert headings.index("Changes since last quarter") > headings.index("Spreadsheets")  # the appendix
    section = md.split("## Changes since last quarter\n", 1)[1].split("\n## ", 1)[0]
    edits = [l for l in section.splitlines() if "`supply.sources.indexed_web.stock`" in l]
    assert edits == [f"| scenarios/baseline.yaml:{line} | `supply.sources.indexed_web.stock` | 130T to 2100T (90%) "
                     "| 100T to 1000T (90%) | baseline; inherited by overtrained-5x, slow-growth |"]
    moves = [l.split(" | ") for l in section.splitlines() if l.startswith("| ") and " | Exhaustion" in l
             or l.startswith("| ") and " | P(exhausted" in l]
    assert moves and {m[0].lstrip("| ") for m in moves} == {"baseline", "overtrained-5x", "slow-growth"}
    for scenario, figure, old, new, change, from_inputs, from_data in (m[:7] for m in moves):
        from_data = from_data.rstrip(" |")
        assert old != new and from_data == "no change"             # the data did not change
        assert change == from_inputs                                # the whole move is the edit's
        if old.endswith("%"):                                       # from the values shown
            pts = int(new[:-1]) - int(old[:-1])
            assert change == f"{'+' if pts > 0 else '−'}{abs(pts)} pt{'s' if abs(pts) != 1 else ''}"
        else:
            n = Quarter_ordinal(new) - Quarter_ordinal(old)
            assert change == f"{abs(n)} quarter{'s' if abs(n) != 1 else ''} {'later' if n > 0 else 'earlier'}"
    summary = md.split("## Summary\n", 1)[1].split("\n## ", 1)[0]
    (since,) = [l for l in summary.splitlines() if l.startswith("- **Since 2026Q3**")]
    assert since.startswith(f"- **Since 2026Q3**, after 1 input edit (`scenarios/baseline.yaml:{line}`): "
                            "baseline: median exhaustion ")
    assert "(every move" not in since and since.endswith("in the appendix.")
    assert len(since) < 400                                         # one line, not the table


def Quarter_ordinal(label: str) -> int:
    from forecast.units import Quarter

    return Quarter.parse(label).ordinal
