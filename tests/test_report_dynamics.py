"""The report's charts of stock dynamics and the gap's price (issue 17 item 5), built from the
shipped scenarios ai-written-inflow.yaml (consent erosion, AI-written inflow, a priced gap) and
licensed-text.yaml (licensed additions, no gap prices) with the baseline beside them."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecast.report.document import Document
from forecast.engine.runs import run_scenarios
from forecast.units import format_quantity

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def doc():
    paths = [ROOT / "scenarios" / n for n in ("baseline.yaml", "ai-written-inflow.yaml", "licensed-text.yaml")]
    runs = run_scenarios(paths, samples=2000, keep_samples=True)
    document = Document(runs, [], "2026Q4", ROOT / "data", None, Path("unused.sqlite"))
    images = document.build_charts()
    return document, images, {r.name: r for r in runs}


def test_the_dynamic_scenarios_get_their_charts(doc):
    document, images, _ = doc
    dynamics = {c["name"] for c in document.charts if c["section"] == "dynamics"}
    # the baseline has no dynamics: no stock terms of its own; every scenario prices its gap (issue 25),
    # charted for the baseline and the scenarios with dynamics
    assert dynamics == {"stock_terms_ai-written-inflow", "stock_terms_licensed-text", "gap_cost_ai-written-inflow",
                        "gap_cost_baseline", "gap_cost_licensed-text", "synthetic_share_record"}
    for name in dynamics:
        assert images[f"charts/{name}.png"].startswith(b"\x89PNG")
        assert name in document.data


def test_stock_terms_are_the_engine_metrics(doc):
    document, _, runs = doc
    frame = document.data["stock_terms_licensed-text"]
    r = runs["licensed-text"].result
    for term in ("stock", "stock_human_inflow", "stock_licensed", "stock_consent_loss"):
        part = frame[frame["term"] == term]
        np.testing.assert_array_equal(part["p50"].to_numpy(), r.metric(term)["p50"].to_numpy())
    # licensed-text buys text in but erodes nothing: its consent loss is zero throughout
    assert (frame.loc[frame["term"] == "stock_consent_loss", "p90"] == 0).all()
    assert (frame.loc[frame["term"] == "stock_licensed", "p50"].iloc[1:] > 0).all()


def test_gap_cost_title_gives_the_total_and_the_margin(doc):
    document, _, runs = doc
    chart = next(c for c in document.charts if c["name"] == "gap_cost_ai-written-inflow")
    totals = runs["ai-written-inflow"].result.tables["gap_cost_totals"]
    last = totals[totals["by_end_of"] == totals["by_end_of"].max()].set_index("route")
    # the title gives the median total by the last year and the share of samples synthetic is the margin in
    assert chart["title"].startswith(
        f"ai-written-inflow: the gap costs {format_quantity(last.loc['total', 'p50'], 'usd')} "
        f"to the end of {int(last['by_end_of'].iloc[0])} (median)")
    assert f"in {last.loc['synthetic', 'p_cheaper']:.0%} of samples with a gap" in chart["title"]
    frame = document.data["gap_cost_ai-written-inflow"]
    assert set(frame["route"]) == {"synthetic", "licensed"}
    assert (frame["p10"] <= frame["p50"]).all() and (frame["p50"] <= frame["p90"]).all()
    assert "gap_cost_totals_ai-written-inflow" in document.data


def test_share_record_carries_every_row_of_the_record_and_its_sources(doc):
    document, _, _ = doc
    record = pd.read_csv(ROOT / "data" / "synthetic_shares.csv", comment="#")
    frame = document.data["synthetic_share_record"]
    on_record = frame[frame["kind"] != "model"]
    assert list(on_record["item"]) == list(record["item"])
    assert list(on_record["p50"]) == list(record["synthetic_share"])
    chart = next(c for c in document.charts if c["name"] == "synthetic_share_record")
    for source in record["source"]:
        assert source in chart["caption"]
    # the model's share of 2024: no gap yet in the baseline's median run and no chosen share (Phi-4 used 40%)
    assert chart["title"].startswith("baseline: 0% synthetic (chosen + forced, median) in the largest run of 2024")


def test_dynamics_charts_are_byte_identical_when_drawn_again(doc):
    document, images, _ = doc
    again = Document(document.runs, [], "2026Q4", ROOT / "data", None, Path("unused.sqlite")).build_charts()
    for name in ("stock_terms_ai-written-inflow", "gap_cost_ai-written-inflow", "synthetic_share_record"):
        assert again[f"charts/{name}.png"] == images[f"charts/{name}.png"], name


def test_a_chart_title_too_long_for_two_lines_ends_in_an_ellipsis_not_a_silent_cut():
    from matplotlib.figure import Figure

    from forecast.report.charts.base import add_title

    fig = Figure()
    ax = fig.add_subplot()
    words = " ".join(f"word{k}" for k in range(60))   # 419 characters: more than two lines of 78
    add_title(fig, ax, words, "units")
    shown = fig._suptitle.get_text()
    assert shown.count("\n") == 1 and shown.endswith(" …")
    add_title(fig, ax, "short title", "units")
    assert fig._suptitle.get_text() == "short title"


@pytest.fixture(scope="module")
def chosen():
    paths = [ROOT / "scenarios" / n for n in ("baseline.yaml", "synthetic-by-choice.yaml")]
    runs = run_scenarios(paths, samples=2000, keep_samples=True)
    document = Document(runs, [], "2026Q4", ROOT / "data", None, Path("unused.sqlite"))
    images = document.build_charts()
    return document, images, {r.name: r for r in runs}


def test_a_scenario_that_chooses_a_share_leads_the_share_record_with_chosen_plus_forced(chosen):
    document, _, runs = chosen
    chart = next(c for c in document.charts if c["name"] == "synthetic_share_record")
    assert chart["title"].startswith("synthetic-by-choice: ")
    assert "chosen + forced" in chart["title"] and "synthetic-by-choice" in chart["caption"]
    frame = document.data["synthetic_share_record"]
    model = frame[(frame["kind"] == "model") & (frame["scenario"] == "synthetic-by-choice")]
    r = runs["synthetic-by-choice"].result
    # the line drawn is the engine's synthetic share, chosen + forced, never below the chosen share
    np.testing.assert_array_equal(model["p50"].to_numpy(), r.metric("synthetic_share")["p50"].to_numpy())
    assert (r.metric("synthetic_share")["p50"].to_numpy() >= r.metric("synthetic_share_chosen")["p50"].to_numpy()).all()
    # 30-40% chosen at the start of 2025: the largest run of 2025Q1 is about 35% synthetic by choice alone
    k = list(r.quarters).index("2025Q1")
    assert 0.30 <= r.metric("synthetic_share_chosen")["p50"].iloc[k] <= 0.40


def test_the_first_screen_prices_the_baselines_gap_by_2030_and_2035(chosen):
    document, _, runs = chosen
    totals = runs["baseline"].result.tables["gap_cost_totals"].set_index(["by_end_of", "route"])
    money = lambda v: "$0" if v == 0 else format_quantity(float(v), "usd")  # noqa: E731
    line = next(s for s in document._summary_sentences() if s.startswith("**The gap's cost** (baseline)"))
    for year in (2030, 2035):
        assert f"**{money(totals.loc[(year, 'total'), 'p50'])}** by end-{year}" in line
        assert f"{money(totals.loc[(year, 'total'), 'p10'])} – {money(totals.loc[(year, 'total'), 'p90'])}" in line
    dearer = max(("all_synthetic", "licensed_first"), key=lambda r: totals.loc[(2035, r), "p50"])
    assert f"would cost {money(totals.loc[(2035, dearer), 'p50'])} by end-2035 (p50)" in line
    # money never takes the token suffix T
    assert not any(ch.isdigit() and nxt == "T" for ch, nxt in zip(line, line[1:]))


def test_every_supply_scenario_has_a_gap_cost_row(chosen):
    document, _, _ = chosen
    context = document.context()
    table = context["gap_costs"]
    assert table.splitlines()[2].startswith("| baseline ")  # the baseline first
    assert "synthetic-by-choice" in table
    raw = document.data["gap_cost_summary"]
    assert set(raw["scenario"]) == {"baseline", "synthetic-by-choice"}
    assert set(raw["route"]) == {"synthetic", "licensed", "total", "all_synthetic", "licensed_first"}
