"""The report's appendix chart of the baseline's headline across quarters
(forecast/report/document_history.py): earlier quarters' full runs from the run archive, then this
report; one line instead while no earlier quarter is archived."""
from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from forecast.cli.app import app
from forecast.outputs import headline_columns
from forecast.store.archive import list_headlines

ROOT = Path(__file__).resolve().parents[1]
SET = ROOT / "tests" / "golden" / "report"
RUN = ["report", "--trend-methods", "none", "--quarter"]
KEYS = ["exhaustion.p10", "exhaustion.p50", "exhaustion.p90", "exhaustion.by_2030"]


def _report(quarter: str) -> str:
    result = CliRunner().invoke(app, RUN + [quarter])
    assert result.exit_code == 0, result.output
    return Path(f"reports/{quarter}/report.md").read_text(encoding="utf-8")


def _section(text: str) -> str:
    return text.split("## The baseline across quarters", 1)[1].split("\n## ", 1)[0].strip()


def test_two_archived_quarters_give_a_chart_with_each_quarters_headline(tmp_path, monkeypatch):
    (tmp_path / "scenarios").mkdir()
    shutil.copy(SET / "mini-supply.yaml", tmp_path / "scenarios" / "mini-supply.yaml")
    monkeypatch.chdir(tmp_path)
    first = _section(_report("2026Q3"))
    assert first == ("Only this quarter so far: no earlier quarter's full report is in the archive "
                     "(`../archive.sqlite`), so the chart of mini-supply's headline across quarters starts next quarter.")
    assert not Path("reports/2026Q3/charts/history_mini-supply.png").exists()
    scenario = Path("scenarios/mini-supply.yaml")           # faster growth: exhausted sooner in 2026Q4
    scenario.write_text(scenario.read_text(encoding="utf-8").replace("2x/yr to 3x/yr", "2.5x/yr to 3.5x/yr"),
                        encoding="utf-8")
    second = _section(_report("2026Q4"))
    assert second.startswith("![mini-supply: median exhaustion moved from ")
    assert "(charts/history_mini-supply.png)" in second and "[data/history_mini-supply.csv]" in second
    png = Path("reports/2026Q4/charts/history_mini-supply.png").read_bytes()
    assert png.startswith(b"\x89PNG")
    # the CSV holds run 1's archived figures, then this report's (archived afterwards as run 2)
    archived = list_headlines("reports/archive.sqlite", "mini-supply").set_index("run")
    csv = pd.read_csv("reports/2026Q4/data/history_mini-supply.csv", dtype=str, keep_default_na=False)
    assert list(csv["quarter"]) == ["2026Q3", "2026Q4"] and list(csv["run"]) == ["1", ""]
    assert list(csv["this_report"]) == ["False", "True"] and list(csv["quarter_end"]) == ["2026-09-30", "2026-12-31"]
    for row, run in zip(csv.to_dict("records"), (1, 2)):
        expected = headline_columns({k: archived.loc[run, k] for k in KEYS})
        assert row["exhaustion_p50"] == expected["exhaustion_p50"] != ""
        assert (row["exhaustion_p10"], row["exhaustion_p90"]) == (expected["exhaustion_p10"], expected["exhaustion_p90"])
        assert float(row["p_exhausted_by_2030"]) == expected["p_exhausted_by_2030"]
    a, b = csv["exhaustion_p50"]
    assert second.startswith(f"![mini-supply: median exhaustion moved from {a} to {b} between the 2026Q3 and 2026Q4 reports")
    assert a > b
    # written again, a quarter's report gives the same bytes: its own and later quarters are left out
    _report("2026Q4")
    assert Path("reports/2026Q4/charts/history_mini-supply.png").read_bytes() == png
    assert _section(_report("2026Q3")) == first
