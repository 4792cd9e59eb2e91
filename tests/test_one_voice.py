"""One voice (issue 26 item 2): every shipped scenario's headline figures have one value wherever the
report states them. The report of the shipped scenarios is built once (conftest.py); every mention of each
scenario's median exhaustion quarter, 80% interval, P(exhausted by end of 2030) and p50 cost is
collected from report.md, report.html and the detail pages scenarios/*.md — in tables (a row named by
the scenario's id or ``title (id)``, or a column named by its id), chart titles, the Summary's
sentences and the variants' lines — and checked against data/summary_supply.csv and
data/summary_cost.csv, the numbers behind them. (The workbook is checked in tests/test_workbook.py.)
"""
from __future__ import annotations

import csv
import html
import re
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path

import pytest

from forecast.io.scenario import load_scenario
from forecast.units import format_quantity

ROOT = Path(__file__).resolve().parents[1]
FIGURES = ("median", "interval", "p2030", "cost")


# --------------------------------------------------------------------------- what the numbers say


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _quarter(row: dict[str, str], key: str) -> str:
    return "after horizon" if row[f"{key}_after_horizon"] == "True" else row[key]


def expected(folder: Path) -> dict[str, dict[str, str]]:
    """scenario id → figure → the text the report must show, from data/summary_*.csv."""
    out: dict[str, dict[str, str]] = defaultdict(dict)
    for row in _rows(folder / "data" / "summary_supply.csv"):
        out[row["scenario"]].update({
            "median": _quarter(row, "exhaustion_p50"),
            "interval": f"{_quarter(row, 'exhaustion_p10')} – {_quarter(row, 'exhaustion_p90')}",
            "p2030": f"{float(row['p_exhausted_by_2030']) * 100:.0f}%"})
    for row in _rows(folder / "data" / "summary_cost.csv"):
        out[row["scenario"]]["cost"] = format_quantity(float(row["cost_total_p50_usd"]), "usd")
    return dict(out)


# --------------------------------------------------------------------------- what the text says

#: Column headers (lower case) of each figure in the report's tables.
_COLUMNS = {"median exhaustion": "median", "exhaustion, median": "median", "median": "median",
            "80% interval": "interval", "p(by end 2030)": "p2030", "p(exhausted by end of 2030)": "p2030",
            "cost p50": "cost", "cost, p50": "cost", "total p50": "cost"}
#: Row labels of the figures in a table of figures (the variants' "what that does" tables).
_ROWS = {"exhaustion, median": "median", "p(exhausted by end of 2030)": "p2030", "cost, p50": "cost"}


def _shown(text: str) -> str:
    """A figure as shown, in one spelling: an interval's "to" as "–"; a quarter past the horizon, which
    the detail pages write "after 2040Q4" and the report "after horizon", as "after horizon"."""
    text = re.sub(r"\s+(?:–|to)\s+", " – ", text.strip())
    return re.sub(r"after \d{4}Q[1-4]", "after horizon", text)


def _markdown_tables(text: str) -> list[list[list[str]]]:
    tables, current = [], []
    for line in text.splitlines() + [""]:
        if line.startswith("|"):
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
            if not all(re.fullmatch(r":?-+:?", c) for c in cells):
                current.append(cells)
        elif current:
            tables.append(current)
            current = []
    return tables


class _Tables(HTMLParser):
    """The tables of an HTML page as rows of cell texts, and the alt texts of its images."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str]]] = []
        self.alts: list[str] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "img":
            self.alts.append(dict(attrs).get("alt") or "")

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None and self.tables:
            self.tables[-1].append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _scenario_of(cell: str, ids: set[str]) -> str | None:
    cell = cell.strip("`* ")
    if cell in ids:
        return cell
    match = re.search(r"\(([\w.-]+)\)$", cell)            # "title (id)", "Data mix: ... (palmyra-x-004)"
    return match[1] if match and match[1] in ids else None


def table_mentions(tables, ids: set[str], page: str | None, where: str):
    """(scenario, figure, value, where) of every figure in ``tables``: rows named by a scenario,
    columns named by a scenario (tables of figures), and on a detail page (``page``: its scenario)
    its exhaustion row and its cost table's Total row."""
    for table in tables:
        if len(table) < 2:
            continue
        header = [h.strip("`* ").lower() for h in table[0]]
        has_median = any(_COLUMNS.get(h) == "median" for h in header)
        for row in table[1:]:
            label = row[0].strip("`* ")
            scenario = _scenario_of(row[0], ids)
            if scenario is None and page is not None and label.lower() in ("exhaustion", "total") \
                    and header[0] in ("event", "item"):
                scenario = page
            if scenario is not None:
                for h, value in zip(header[1:], row[1:]):
                    figure = "cost" if (header[0] == "item" and h == "p50") else _COLUMNS.get(h)
                    if figure == "interval" and not has_median:   # the interval of a cost
                        continue
                    if figure == "median" and header[0] == "item":
                        continue
                    if figure is not None:
                        yield scenario, figure, value, f"{where}, table row {row[0]!r}"
            elif label.lower() in _ROWS:                        # a table of figures, a column per scenario
                for h, value in zip(table[0][1:], row[1:]):
                    if h.strip("`* ") in ids:
                        yield h.strip("`* "), _ROWS[label.lower()], value, f"{where}, column {h!r}"


_CHART = re.compile(r"(?P<title>[^\[\]]+?): demand overtakes the human-text stock in (?P<median>\S+) "
                    r"\(median; 80% interval (?P<interval>[^\s)]+ (?:–|to) [^\s)]+)\)")
_BASELINE = re.compile(r"(?P<title>[^\n]+?): human text runs out in (?P<median>\S+) \(median; 80% interval "
                       r"(?P<interval>\S+ – \S+)\); P\(exhausted by end of 2030\) = (?P<p2030>\d+%)")
_WAY_OUT = re.compile(r"a mostly synthetic run \((?P<t1>.+?), \d+% synthetic\) costs (?P<c1>\$\S+) \(p50; .*? "
                      r"against (?P<c2>\$\S+) \(p50\) for a human-heavy run \((?P<t2>.+?), \d+% synthetic\)")
_VARIANT = re.compile(r"^- ?\[?(?P<child>[\w.-]+)\]?(?:\([^)]*\))? against (?P<parent>[\w.-]+): (?P<rest>.+)$", re.M)
_MOVES = {"median": r"median exhaustion (\S+) → (\S+)", "p2030": r"P\(by end of 2030\) (\S+) → (\S+)",
          "cost": r"cost p50 (\S+) → (\S+)"}


def sentence_mentions(text: str, ids: set[str], titles: dict[str, str], where: str):
    """(scenario, figure, value, where) in the prose of ``text`` (Markdown emphasis removed)."""
    text = text.replace("**", "")
    by_title = {t: i for i, t in titles.items()}
    for m in _CHART.finditer(text):
        name = m["title"].lstrip("![").strip()
        scenario = by_title.get(name, name if name in ids else None)
        if scenario is not None:
            yield scenario, "median", m["median"], f"{where}, chart title {name!r}"
            yield scenario, "interval", m["interval"], f"{where}, chart title {name!r}"
    for m in _BASELINE.finditer(text):
        name = m["title"].lstrip("- ").strip()
        scenario = by_title.get(name) or _scenario_of(name, ids)
        assert scenario is not None, f"{where}: the Summary names {name!r}, not a scenario's title"
        for figure in ("median", "interval", "p2030"):
            yield scenario, figure, m[figure], f"{where}, Summary sentence"
    for m in _WAY_OUT.finditer(text):
        for t, c in (("t1", "c1"), ("t2", "c2")):
            assert m[t] in by_title, f"{where}: the way out names {m[t]!r}, not a scenario's title"
            yield by_title[m[t]], "cost", m[c], f"{where}, the way out"
    for m in _VARIANT.finditer(text):
        if m["child"] not in ids or m["parent"] not in ids:
            continue
        for figure, pattern in _MOVES.items():
            found = re.search(pattern, m["rest"])
            if found:
                yield m["parent"], figure, found[1].rstrip(","), f"{where}, line of variant {m['child']}"
                yield m["child"], figure, found[2].rstrip(","), f"{where}, line of variant {m['child']}"


def mentions(folder: Path, ids: set[str], titles: dict[str, str]) -> list[tuple[str, str, str, str]]:
    found = []
    md = (folder / "report.md").read_text(encoding="utf-8")
    found += table_mentions(_markdown_tables(md), ids, None, "report.md")
    found += sentence_mentions(md, ids, titles, "report.md")
    for page in sorted((folder / "scenarios").glob("*.md")):
        text = page.read_text(encoding="utf-8")
        where = f"scenarios/{page.name}"
        found += table_mentions(_markdown_tables(text), ids, page.stem, where)
        found += sentence_mentions(text, ids, titles, where)
    parser = _Tables()
    page = (folder / "report.html").read_text(encoding="utf-8")
    parser.feed(page)
    found += table_mentions(parser.tables, ids, None, "report.html")
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    prose = html.unescape(re.sub(r"<[^>]+>", "", re.sub(r"</(p|li|h\d|figcaption)>", "\n", body)))
    found += sentence_mentions(prose, ids, titles, "report.html")
    found += sentence_mentions("\n".join(parser.alts), ids, titles, "report.html image")
    return found


# --------------------------------------------------------------------------- the test


@pytest.mark.slow
def test_every_headline_figure_has_one_value_everywhere(shipped_report):
    truth = expected(shipped_report)
    files = sorted((ROOT / "scenarios").glob("*.yaml"))
    titles = {}
    for path in files:
        scenario = load_scenario(path, check_data=False).scenario
        titles[scenario.name] = scenario.title or scenario.name
    assert set(truth) <= set(titles) and len(truth) == len(titles)   # every shipped scenario has figures
    found = mentions(shipped_report, set(titles), titles)
    wrong = []
    seen: dict[tuple[str, str], set[str]] = defaultdict(set)
    for scenario, figure, value, where in found:
        shown = _shown(value)
        seen[(scenario, figure)].add(where.split(",")[0])
        want = truth.get(scenario, {}).get(figure)
        if want is None:
            if shown not in ("–", "n/a", ""):
                wrong.append(f"{where}: {scenario} {figure} = {shown}, but the data has no such figure")
        elif shown != want:
            wrong.append(f"{where}: {scenario} {figure} = {shown}, data/summary_*.csv: {want}")
    assert wrong == [], "\n".join(wrong)
    # the collection reached every place a reader looks
    for scenario, figures in truth.items():
        for figure in figures:
            places = seen[(scenario, figure)]
            assert {"report.md", "report.html"} <= places, (scenario, figure, places)
        if "median" in figures:
            assert f"scenarios/{scenario}.md" in seen[(scenario, "median")], scenario
            assert f"scenarios/{scenario}.md" in seen[(scenario, "interval")], scenario
    base = truth["baseline"]
    summary = [w for s, f, v, w in found if s == "baseline" and w.endswith("Summary sentence")]
    assert len(summary) == 2 * 3, summary                          # report.md and report.html, 3 figures each
    assert base["median"] and base["p2030"].endswith("%")
    costs = [w for s, f, v, w in found if f == "cost" and w.endswith("the way out")]
    assert len(costs) == 4, costs                                  # two runs, in report.md and report.html


def test_no_chart_title_is_cut(shipped_report):
    """Every chart title of the shipped report (its alt text in report.md) fits the two lines
    add_title gives it, so none ends in "…" (the baseline variants' gap-cost and stock-terms titles
    once did)."""
    import textwrap

    from forecast.report.charts.base import TITLE_WIDTH

    titles = re.findall(r"!\[([^\]]+)\]\(charts/", (shipped_report / "report.md").read_text(encoding="utf-8"))
    assert len(titles) >= 20
    cut = [t for t in titles if len(textwrap.wrap(t, TITLE_WIDTH)) > 2]
    assert not cut, cut
