"""The run archive (reports/archive.sqlite): round trip, every run kept with its id and whether it was
a full run, the schema-1 file migrated in place, atomic writes, the files of data/ a scenario reads,
and `peakdata history`."""
from __future__ import annotations

import math
import os
import shutil
import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import forecast.engine as engine
import forecast.io.references as references
from forecast.cli.app import app
from forecast.errors import ArchiveError
from forecast.io.references import data_files, read_reference
from forecast.io.scenario import load_resolved, load_scenario, scenario_hash
from forecast.store import archive
from forecast.store.archive import latest_before, list_runs, load_run, record_report
from forecast.outputs import format_headline, headline
from forecast.engine.runs import run_scenarios

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"

#: A cost-only scenario: GPT-3 175B priced on rented V100s (reads hardware.csv and loss_fits.csv).
COST_SCENARIO = """\
name: tiny-cost
extends: {gpt}
samples: 200
seed: 11
"""


def _same_numbers(a: dict[str, float], b: dict[str, float]) -> bool:
    return list(a) == list(b) and all(x == y or (math.isnan(x) and math.isnan(y))
                                      for x, y in zip(a.values(), b.values()))


@pytest.fixture
def scenario_files(write_yaml, mini_text):
    mini = write_yaml("mini.yaml", mini_text)
    cost = write_yaml("tiny-cost.yaml", COST_SCENARIO.format(gpt=ROOT / "scenarios" / "gpt-class.yaml"))
    return [mini, cost]


@pytest.fixture
def runs(scenario_files):
    return run_scenarios(scenario_files)


def _dump(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return list(conn.iterdump()) + [f"user_version={conn.execute('PRAGMA user_version').fetchone()[0]}"]
    finally:
        conn.close()


def test_archive_round_trips(tmp_path, runs):
    db = tmp_path / "reports" / "archive.sqlite"
    record_report(db, "2026Q3", runs)
    got = load_run(db, "2026q3")
    assert got.quarter == "2026Q3" and got.version == runs[0].result.version
    assert list(got.scenarios) == ["mini", "tiny-cost"]
    for run in runs:
        stored = got.scenarios[run.name]
        assert stored.yaml_text == run.yaml_text
        assert stored.scenario_hash == run.result.scenario_hash
        assert (stored.seed, stored.samples) == (run.result.seed, run.result.samples)
        assert stored.path == str(run.file.path)
        assert _same_numbers(stored.headline, headline(run.result))
        pd.testing.assert_frame_equal(stored.summary, run.result.summary(), check_dtype=False)
        # the stored YAML is the scenario that ran: validating it again gives the same hash
        assert scenario_hash(stored.scenario()) == run.result.scenario_hash
    assert got.scenarios["mini"].files == ("text_stock.csv",)
    assert got.scenarios["tiny-cost"].files == ("hardware.csv", "loss_fits.csv")
    assert got.scenarios["mini"].summary.shape == (28 * 5, 9)       # 28 quarters x 5 metrics
    assert got.scenarios["tiny-cost"].summary.empty                 # a cost run has no quarterly metrics
    assert got.data == {name: (DATA / name).read_bytes() for name in ("hardware.csv", "loss_fits.csv",
                                                                     "text_stock.csv")}
    # and again, field by field, as the dataclasses compare (summary excluded, it is a DataFrame)
    assert load_run(db, "2026Q3") == got


def test_same_quarter_twice_keeps_both_runs_with_their_ids(tmp_path, runs, scenario_files):
    db = tmp_path / "archive.sqlite"
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    assert record_report(db, "2026Q3", runs, data_dir=data) == 1
    first = load_run(db, "2026Q3")
    rows_of_first = [line for line in _dump(db) if "VALUES(1," in line]
    (data / "text_stock.csv").write_text((data / "text_stock.csv").read_text() + "\n", encoding="utf-8")
    again = run_scenarios(scenario_files, samples=300)
    assert record_report(db, "2026Q3", again, data_dir=data, full=False, folder="2026Q3-partial-0123abcd") == 2
    table = list_runs(db)
    assert table[["run", "quarter", "scenario", "samples"]].values.tolist() == [
        [1, "2026Q3", "mini", 1000], [1, "2026Q3", "tiny-cost", 200],
        [2, "2026Q3", "mini", 300], [2, "2026Q3", "tiny-cost", 300]]
    assert table["full"].tolist() == [True, True, False, False]
    assert table["folder"].isna().tolist() == [True, True, False, False]      # no folder given for run 1
    assert set(table["folder"].dropna()) == {"2026Q3-partial-0123abcd"}
    # the first run is still there, row for row, and reads back as it was
    assert [line for line in _dump(db) if "VALUES(1," in line] == rows_of_first
    kept = load_run(db, run=1)
    assert kept == first and (kept.run, kept.full) == (1, True)
    for name in first.scenarios:
        pd.testing.assert_frame_equal(kept.scenarios[name].summary, first.scenarios[name].summary)
    latest = load_run(db, "2026Q3")                          # the last archived run of the quarter
    assert (latest.run, latest.full, latest.folder) == (2, False, "2026Q3-partial-0123abcd")
    assert latest.data_hashes["text_stock.csv"] != first.data_hashes["text_stock.csv"]
    assert load_run(db, "2026Q3", full_only=True).run == 1
    assert load_run(db, "2026Q4") is None and load_run(db, run=3) is None
    conn = sqlite3.connect(db)
    # four contents: both versions of text_stock.csv, each run's data/ snapshot whole
    assert conn.execute("SELECT count(*) FROM data_blob").fetchone()[0] == 4
    assert conn.execute("SELECT count(*) FROM report_run").fetchone()[0] == 2
    conn.close()


def test_latest_before_skips_partial_runs(tmp_path, runs):
    db = tmp_path / "archive.sqlite"
    record_report(db, "2026Q2", runs)                                      # run 1, full
    record_report(db, "2026Q3", runs)                                      # run 2, full
    record_report(db, "2026Q3", runs[:1], full=False)                      # run 3, a quick subset after it
    record_report(db, "2026Q4", runs[:1], full=False)                      # run 4
    assert latest_before(db, "2027Q1").run == 2                            # not 4, not 3
    assert list(latest_before(db, "2027Q1").scenarios) == ["mini", "tiny-cost"]
    assert latest_before(db, "2027Q1", full_only=False).run == 4
    assert latest_before(db, "2026Q3").run == 1
    assert latest_before(db, "2026Q2") is None


def test_each_distinct_content_is_stored_once(tmp_path, runs):
    db = tmp_path / "archive.sqlite"
    record_report(db, "2026Q3", runs)
    record_report(db, "2026Q4", runs)
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM data_file").fetchone()[0] == 6      # 3 files x 2 quarters
    assert conn.execute("SELECT count(*) FROM data_blob").fetchone()[0] == 3      # 3 distinct contents
    assert conn.execute("PRAGMA user_version").fetchone()[0] == archive.SCHEMA_VERSION
    conn.close()


def test_a_failure_mid_write_leaves_the_archive_unchanged(tmp_path, runs, scenario_files, monkeypatch):
    db = tmp_path / "archive.sqlite"
    record_report(db, "2026Q3", runs)
    before = _dump(db)
    calls = []

    def fail_on_second(conn, run_id, run):
        calls.append(run.name)
        if len(calls) == 2:           # after the first scenario's rows are in: mid-write
            raise RuntimeError("disk on fire")
        real(conn, run_id, run)

    real = archive._insert_quantiles
    monkeypatch.setattr(archive, "_insert_quantiles", fail_on_second)
    other = run_scenarios(scenario_files, samples=300)
    for quarter in ("2026Q3", "2026Q4"):          # a second run of a quarter, and a new quarter
        calls.clear()
        with pytest.raises(RuntimeError, match="disk on fire"):
            record_report(db, quarter, other)
        assert _dump(db) == before
    assert load_run(db, "2026Q3").scenarios["mini"].samples == 1000


def test_a_failed_first_write_leaves_an_empty_archive(tmp_path, runs, monkeypatch):
    db = tmp_path / "archive.sqlite"

    def boom(*args):
        raise RuntimeError("interrupted")

    monkeypatch.setattr(archive, "_insert_quantiles", boom)
    with pytest.raises(RuntimeError):
        record_report(db, "2026Q3", runs)
    assert _dump(db) == ["BEGIN TRANSACTION;", "COMMIT;", "user_version=0"]
    assert load_run(db, "2026Q3") is None and list_runs(db).empty
    monkeypatch.undo()
    record_report(db, "2026Q3", runs)             # and the next report writes it normally
    assert list(load_run(db, "2026Q3").scenarios) == ["mini", "tiny-cost"]


def test_latest_before_picks_the_latest_earlier_quarter(tmp_path, runs):
    db = tmp_path / "archive.sqlite"
    assert latest_before(db, "2026Q4") is None and not db.exists()   # reading never creates the file
    for quarter in ("2026Q3", "2025Q4", "2026Q1"):
        record_report(db, quarter, runs)
    assert latest_before(db, "2026Q4").quarter == "2026Q3"
    assert latest_before(db, "2026Q3").quarter == "2026Q1"            # not the same quarter
    assert latest_before(db, "2026Q1").quarter == "2025Q4"
    assert latest_before(db, "2025Q4") is None
    assert list_runs(db)["quarter"].drop_duplicates().tolist() == ["2025Q4", "2026Q1", "2026Q3"]
    assert list_runs(db, "tiny-cost")["scenario"].tolist() == ["tiny-cost"] * 3


#: The archive's schema 1 (before run ids: one run per quarter, keyed by quarter), as it was written.
SCHEMA_V1 = """
CREATE TABLE report_run (quarter TEXT PRIMARY KEY, ordinal INTEGER NOT NULL UNIQUE, version TEXT NOT NULL,
                         recorded_at TEXT NOT NULL);
CREATE TABLE scenario_run (
    quarter TEXT NOT NULL REFERENCES report_run(quarter) ON DELETE CASCADE, name TEXT NOT NULL,
    position INTEGER NOT NULL, path TEXT NOT NULL, yaml TEXT NOT NULL, scenario_hash TEXT NOT NULL,
    seed INTEGER NOT NULL, samples INTEGER NOT NULL, PRIMARY KEY (quarter, name));
CREATE TABLE data_blob (sha256 TEXT PRIMARY KEY, content BLOB NOT NULL);
CREATE TABLE data_file (
    quarter TEXT NOT NULL REFERENCES report_run(quarter) ON DELETE CASCADE, file TEXT NOT NULL,
    sha256 TEXT NOT NULL REFERENCES data_blob(sha256), PRIMARY KEY (quarter, file));
CREATE TABLE scenario_file (
    quarter TEXT NOT NULL, scenario TEXT NOT NULL, file TEXT NOT NULL, PRIMARY KEY (quarter, scenario, file),
    FOREIGN KEY (quarter, scenario) REFERENCES scenario_run(quarter, name) ON DELETE CASCADE,
    FOREIGN KEY (quarter, file) REFERENCES data_file(quarter, file) ON DELETE CASCADE);
CREATE TABLE headline (
    quarter TEXT NOT NULL, scenario TEXT NOT NULL, key TEXT NOT NULL, position INTEGER NOT NULL, value REAL,
    PRIMARY KEY (quarter, scenario, key),
    FOREIGN KEY (quarter, scenario) REFERENCES scenario_run(quarter, name) ON DELETE CASCADE);
CREATE TABLE quantile (
    quarter TEXT NOT NULL, scenario TEXT NOT NULL, position INTEGER NOT NULL, period TEXT NOT NULL,
    metric TEXT NOT NULL, unit TEXT NOT NULL, mean REAL, p5 REAL, p10 REAL, p50 REAL, p90 REAL, p95 REAL,
    PRIMARY KEY (quarter, scenario, position),
    FOREIGN KEY (quarter, scenario) REFERENCES scenario_run(quarter, name) ON DELETE CASCADE);
"""


def _schema_v1_archive(db: Path, mini_text: str) -> bytes:
    """A schema-1 archive with two quarters of the mini scenario (2026Q3 written before 2026Q2, as a
    re-run of an old quarter would), each with two headline figures, one quantile row and
    data/text_stock.csv; returns the file's bytes."""
    import hashlib

    content = (DATA / "text_stock.csv").read_bytes()
    digest = hashlib.sha256(content).hexdigest()
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.executescript(SCHEMA_V1)
    conn.execute("INSERT INTO data_blob VALUES (?, ?)", (digest, content))
    for quarter, ordinal, samples, p50 in (("2026Q3", 8106, 1000, 2028.75), ("2026Q2", 8105, 500, 2029.0)):
        conn.execute("INSERT INTO report_run VALUES (?, ?, '0.1.0', '2026-07-01T00:00:00+00:00')", (quarter, ordinal))
        conn.execute("INSERT INTO scenario_run VALUES (?, 'mini', 0, 'mini.yaml', ?, 'ab12', 7, ?)",
                     (quarter, mini_text, samples))
        conn.execute("INSERT INTO data_file VALUES (?, 'text_stock.csv', ?)", (quarter, digest))
        conn.execute("INSERT INTO scenario_file VALUES (?, 'mini', 'text_stock.csv')", (quarter,))
        conn.executemany("INSERT INTO headline VALUES (?, 'mini', ?, ?, ?)",
                         [(quarter, "exhaustion.p50", 0, p50), (quarter, "cost.total.p50", 1, None)])
        conn.execute("INSERT INTO quantile VALUES (?, 'mini', 0, '2024Q1', 'stock', 'tokens', 1, 2, 3, 4, 5, 6)",
                     (quarter,))
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    return db.read_bytes()


def test_a_schema_1_archive_is_read_as_it_is_and_migrated_in_place_by_the_next_report(tmp_path, runs,
                                                                                      mini_text):
    db = tmp_path / "archive.sqlite"
    old = _schema_v1_archive(db, mini_text)
    # reading (history, changes) works on the old file and leaves it byte for byte as it was
    table = list_runs(db)
    assert table[["run", "quarter", "scenario", "samples", "exhaustion.p50"]].values.tolist() == [
        [1, "2026Q2", "mini", 500, 2029.0], [2, "2026Q3", "mini", 1000, 2028.75]]    # ids in quarter order
    assert table["full"].isna().all() and table["folder"].tolist() == ["2026Q2", "2026Q3"]
    before = latest_before(db, "2026Q4")               # a run from before the flag counts as a full run
    assert (before.quarter, before.run, before.full, before.version) == ("2026Q3", 2, None, "0.1.0")
    assert before.scenarios["mini"].headline["exhaustion.p50"] == 2028.75
    assert math.isnan(before.scenarios["mini"].headline["cost.total.p50"])
    assert before.scenarios["mini"].summary[["quarter", "metric", "p50"]].values.tolist() == [[pd.Period("2024Q1", freq="Q"), "stock", 4.0]]
    assert before.data == {"text_stock.csv": (DATA / "text_stock.csv").read_bytes()}
    history = CliRunner().invoke(app, ["history", "--archive", str(db)], env={"COLUMNS": "200"})
    assert history.exit_code == 0 and "partial" not in history.output and "2028Q3" in history.output
    assert db.read_bytes() == old
    # the next report migrates the file in place, keeps every old row, and adds its run as run 3
    assert record_report(db, "2026Q4", runs, full=False) == 3
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == archive.SCHEMA_VERSION == 2
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert sorted(row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")) == [
        "data_blob", "data_file", "headline", "quantile", "report_run", "scenario_file", "scenario_run",
        "sqlite_sequence"]
    assert conn.execute("SELECT id, quarter, full, folder FROM report_run ORDER BY id").fetchall() == [
        (1, "2026Q2", None, "2026Q2"), (2, "2026Q3", None, "2026Q3"), (3, "2026Q4", 0, None)]
    assert conn.execute("SELECT count(*) FROM data_blob").fetchone()[0] == 3       # no content duplicated
    conn.close()
    assert load_run(db, run=2) == before
    assert latest_before(db, "2027Q1").run == 2                  # the new partial run is not compared with
    assert list_runs(db)["run"].tolist() == [1, 2, 3, 3]


def test_archive_refuses_other_files(tmp_path, runs):
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(ArchiveError, match="not a readable run archive"):
        list_runs(garbage)
    other = tmp_path / "other.sqlite"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    with pytest.raises(ArchiveError, match="not a peakdata run archive"):
        record_report(other, "2026Q3", runs)
    newer = tmp_path / "newer.sqlite"
    record_report(newer, "2026Q3", runs)
    conn = sqlite3.connect(newer)
    conn.execute("PRAGMA user_version = 99")
    conn.commit()
    conn.close()
    with pytest.raises(ArchiveError, match="schema version 99 is newer"):
        load_run(newer, "2026Q3")
    with pytest.raises(ArchiveError, match="quarter"):
        load_run(newer, "2026Q5")


def test_history_lists_runs(tmp_path, runs):
    db = tmp_path / "archive.sqlite"
    record_report(db, "2026Q3", runs)
    record_report(db, "2026Q4", runs[:1], full=False)
    record_report(db, "2026Q4", runs[:1])
    cli = CliRunner()
    result = cli.invoke(app, ["history", "--archive", str(db)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if "│" in line]
    mini, cost = runs[0].result, runs[1].result
    # mini's median exhaustion (seed 7, 1,000 samples) is 2028Q4, as `peakdata run` prints it, with
    # its 80% interval and P(by 2030); a supply run has no cost ("–") and a cost run no exhaustion
    figures = headline(mini)
    assert [cell.strip() for cell in lines[0].split("│")[1:-1]] == [
        "1", "2026Q3", "mini", mini.scenario_hash[:12], "7", "1,000", "2028Q4",
        f"{format_headline('exhaustion.p10', figures['exhaustion.p10'])} – "
        f"{format_headline('exhaustion.p90', figures['exhaustion.p90'])}",
        format_headline("exhaustion.by_2030", figures["exhaustion.by_2030"]), "–", mini.version]
    cells = [cell.strip() for cell in lines[1].split("│")[1:-1]]
    assert cells == ["1", "2026Q3", "tiny-cost", cost.scenario_hash[:12], "11", "200", "–", "–", "–",
                     format_headline("cost.total.p50", headline(cost)["cost.total.p50"]), cost.version]
    header = next(line for line in result.output.splitlines() if "quarter" in line)
    assert "Exhaustion, 80% interval" in header and "P(exhausted by end of 2030)" in header
    # every run, the partial one marked
    assert [[c.strip() for c in line.split("│")[1:4]] for line in lines] == [
        ["1", "2026Q3", "mini"], ["1", "2026Q3", "tiny-cost"], ["2 partial", "2026Q4", "mini"],
        ["3", "2026Q4", "mini"]]
    only = cli.invoke(app, ["history", "tiny-cost", "--archive", str(db)], env={"COLUMNS": "200"})
    assert only.exit_code == 0 and "mini" not in only.output and "tiny-cost" in only.output


def test_history_of_one_scenario_is_its_path_across_quarters(tmp_path, runs, write_yaml, mini_text):
    """mini in 2026Q3, then with twice the repetition (more effective stock, later exhaustion) in
    2026Q4: one row per quarter, the figures asked for, and the median's move in quarters."""
    db = tmp_path / "archive.sqlite"
    record_report(db, "2026Q3", runs)
    later = run_scenarios([write_yaml("later/mini.yaml", mini_text.replace("multiplier: 2 to 5",
                                                                            "multiplier: 4 to 10"))])
    record_report(db, "2026Q4", later)
    before, after = headline(runs[0].result), headline(later[0].result)
    assert after["exhaustion.p50"] > before["exhaustion.p50"]
    quarters = round((after["exhaustion.p50"] - before["exhaustion.p50"]) * 4)   # medians are quarter ends
    result = CliRunner().invoke(app, ["history", "mini", "--archive", str(db), "--metric", "exhaustion.p50",
                                      "--metric", "exhaustion.by_2030"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    lines = [[c.strip() for c in line.split("│")[1:-1]] for line in result.output.splitlines() if "│" in line]
    assert lines == [
        ["2026Q3", "1", format_headline("exhaustion.p50", before["exhaustion.p50"]),
         format_headline("exhaustion.by_2030", before["exhaustion.by_2030"]), "–"],
        ["2026Q4", "2", format_headline("exhaustion.p50", after["exhaustion.p50"]),
         format_headline("exhaustion.by_2030", after["exhaustion.by_2030"]),
         f"{quarters} quarter{'s' if quarters != 1 else ''} later"]]
    assert "tiny-cost" not in result.output
    bad = CliRunner().invoke(app, ["history", "--archive", str(db), "--metric", "exhaustion.p5O"])
    assert bad.exit_code == 2 and "did you mean 'exhaustion.p50'?" in bad.output


def test_history_errors_name_the_fix(tmp_path, runs):
    db = tmp_path / "archive.sqlite"
    cli = CliRunner()
    missing = cli.invoke(app, ["history", "--archive", str(db)])
    assert missing.exit_code == 2
    assert f"no run archive at {db}" in missing.output and "Traceback" not in missing.output
    record_report(db, "2026Q3", runs)
    typo = cli.invoke(app, ["history", "mnii", "--archive", str(db)])
    assert typo.exit_code == 2 and "did you mean 'mini'?" in typo.output


# --------------------------------------------------------------------------- which data files


def _variants(write_yaml) -> list[Path]:
    """Shipped scenarios plus the branches they do not take: amortised hardware, given loss
    constants, compute-only demand with a fitted (unused) historical trend."""
    gpt = ROOT / "scenarios" / "gpt-class.yaml"
    baseline = ROOT / "scenarios" / "baseline.yaml"
    amortised = write_yaml("amortised.yaml", f"""\
        name: amortised
        extends: {gpt}
        cost:
          compute:
            method: amortised
            price_per_gpu_hour: null
            amortised:
              amortisation_years: 4
              server_overhead: 1.5
              interconnect_share: 20%
              server_power_ratio: 1.7
              tdp_fraction: 75%
              pue: 1.2
              electricity_price: $0.08
          quality:
            loss: {{fit: null, E: 1.69, A: 406.4, B: 410.7, alpha: 0.34, beta: 0.28}}
        """)
    compute_only = write_yaml("compute-only.yaml", f"""\
        name: compute-only
        extends: {baseline}
        demand:
          method: compute
        """)
    return sorted((ROOT / "scenarios").glob("*.yaml")) + [amortised, compute_only]


def test_data_files_lists_exactly_what_validate_and_run_read(write_yaml, monkeypatch):
    read: set[str] = set()
    real = references._read

    def watched(path, stamp):
        read.add(Path(path).name)
        return real(path, stamp)

    monkeypatch.setattr(references, "_read", watched)
    seen = {}
    for path in _variants(write_yaml):
        read.clear()
        item = load_scenario(path)
        engine.run(item.scenario, samples=50, provenance=item.provenance)
        assert tuple(sorted(read)) == data_files(item.scenario), path.name
        seen[item.scenario.name] = data_files(item.scenario)
    # every supply scenario prices its gap from the licensable stock (issue 25)
    assert seen["baseline"] == ("licensable_stock.csv", "notable_models.csv", "text_stock.csv")
    assert seen["slow-growth"] == ("licensable_stock.csv", "notable_models.csv", "text_stock.csv")  # growth given, level fitted
    assert seen["palmyra-x-004"] == ("gpu_prices.csv", "hardware.csv", "loss_fits.csv")   # market price
    assert seen["amortised"] == ("hardware.csv",)
    assert seen["compute-only"] == ("licensable_stock.csv", "text_stock.csv")


def test_resolved_yaml_reads_back_for_every_shipped_scenario():
    from forecast.engine.runs import resolved_yaml

    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        item = load_scenario(path)
        again = load_resolved(resolved_yaml(item))
        assert again == item.scenario, path.name
        assert scenario_hash(again) == item.sha256


def test_reference_cache_keys_on_the_folder_and_the_content(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for folder, high in ((a, "2.1e+15"), (b, "1.2e+15")):
        folder.mkdir()
        text = (DATA / "text_stock.csv").read_text(encoding="utf-8")
        (folder / "text_stock.csv").write_text(text.replace("2.1e+15", high, 1), encoding="utf-8")
        os.utime(folder / "text_stock.csv", ns=(1_700_000_000_000_000_000,) * 2)   # same mtime in both
    first = read_reference("text_stock.csv", a).set_index("component").loc["indexed_web", "tokens_high"]
    second = read_reference("text_stock.csv", b).set_index("component").loc["indexed_web", "tokens_high"]
    assert (first, second) == (2.1e15, 1.2e15)
    # rewritten in place with the same mtime: the size differs, so it is read again
    (a / "text_stock.csv").write_text((b / "text_stock.csv").read_text(encoding="utf-8") + "\n", encoding="utf-8")
    os.utime(a / "text_stock.csv", ns=(1_700_000_000_000_000_000,) * 2)
    again = read_reference("text_stock.csv", a).set_index("component").loc["indexed_web", "tokens_high"]
    assert again == 1.2e15


def test_validation_reads_the_data_folder_it_is_given(tmp_path, write_yaml, mini_text):
    from forecast.errors import ScenarioError

    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    stock = data / "text_stock.csv"
    text = stock.read_text(encoding="utf-8")
    stock.write_text(text.replace("\nindexed_web,", "\nweb_index,", 1), encoding="utf-8")
    mini = write_yaml("mini.yaml", mini_text)
    load_scenario(mini)                                      # the project's data/ has indexed_web
    with pytest.raises(ScenarioError, match="unknown stock component 'indexed_web'"):
        load_scenario(mini, data_dir=data)
    with pytest.raises(ScenarioError, match="unknown stock component"):
        run_scenarios([mini], data_dir=data)


def test_a_locked_archive_is_reported_and_left_alone(tmp_path, runs, monkeypatch):
    db = tmp_path / "archive.sqlite"
    record_report(db, "2026Q3", runs)
    before = _dump(db)
    other = sqlite3.connect(db)
    other.execute("BEGIN IMMEDIATE")                 # another report holds the write lock
    connect = sqlite3.connect
    monkeypatch.setattr(sqlite3, "connect", lambda *a, **k: connect(*a, **{**k, "timeout": 0}))  # no 5 s wait
    try:
        with pytest.raises(ArchiveError, match="database is locked"):
            record_report(db, "2026Q4", runs)
    finally:
        other.rollback()
        other.close()
    monkeypatch.undo()
    assert _dump(db) == before
