"""The first screen of the shipped scenarios' report (issue 26: "a person opening report.html at
1280×800 sees both answers and the hero chart without scrolling"): the Summary opens with the four
answers — the baseline's exhaustion, the price of its gap, the way out, what changed since last
quarter — then the baseline's chart; the range across scenarios and the link to explore.html follow
the chart. In report.html at 1280 × 800 the four answers and the whole chart are above the fold.
The report is built once per session (``shipped_report``, tests/conftest.py).
"""
from __future__ import annotations

import shutil

import pytest

from first_screen import first_screen

#: How each answer of the first screen starts, in order (report.md, Markdown).
ANSWERS = ("- **Baseline (Villalobos et al. 2024)**: human text runs out in **",
           "- **The gap's cost**, cheapest routes (",
           "- **The way out**: a mostly synthetic run (Palmyra X 004, ",
           "- **Since last quarter**: ")


def _summary(folder) -> list[str]:
    text = (folder / "report.md").read_text(encoding="utf-8")
    return text.split("## Summary\n", 1)[1].split("\n## ", 1)[0].strip("\n").splitlines()


@pytest.mark.slow
def test_the_summary_answers_first_then_the_chart_then_the_rest(shipped_report):
    lines = [line for line in _summary(shipped_report) if line]
    assert len(lines) > 4 and all(line.startswith(start) for line, start in zip(lines, ANSWERS)), lines[:4]
    # the answers carry their statistic: the median and its 80% interval, P(by 2030), p50 costs
    assert "(median; 80% interval " in lines[0] and "P(exhausted by end of 2030) = **" in lines[0]
    assert "by end-2030 (p50; 80% interval " in lines[1] and "by end-2035 (" in lines[1]
    assert "(p50; 80% interval " in lines[2] and "(today's median " in lines[2]
    # the baseline is named once, in the first answer, not again in the gap's
    assert "Villalobos" not in lines[1]
    # then the hero chart, its caption, and under it the range across scenarios and the explorer
    assert lines[4].startswith("![Baseline (Villalobos et al. 2024): demand overtakes the human-text stock in ")
    assert lines[4].endswith("(charts/fan_baseline.png)")
    rest = [line for line in lines[5:] if line.startswith("- ")]
    assert rest[0].startswith("- Across 9 supply scenarios the median runs from ")
    assert rest[1].startswith("- **What if?** [explore.html](explore.html) redraws the exhaustion date")


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs chromium (headless)")
def test_the_answers_and_the_whole_chart_fit_1280_by_800(shipped_report, tmp_path):
    measured = first_screen(shipped_report / "report.html", tmp_path)
    answers, chart = measured["answers"], measured["chart"]
    assert [a["text"].split(":")[0].split(",")[0] for a in answers] == [
        "Baseline (Villalobos et al. 2024)", "The gap's cost", "The way out", "Since last quarter"]
    assert chart is not None and chart["loaded"]
    assert chart["bottom"] <= 800, chart                       # the whole chart, without scrolling
    assert chart["height"] >= 330, chart                       # and large enough to read
    assert all(a["bottom"] <= chart["top"] for a in answers), (answers, chart)
