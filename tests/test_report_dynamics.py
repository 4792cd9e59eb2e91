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


def _document(*names: str):
    """The report Document of the shipped scenarios ``names`` at 2,000 samples, its charts built:
    (document, images, runs by name)."""
    runs = run_scenarios([ROOT / "scenarios" / n for n in names], samples=2000, keep_samples=True)
    document = Document(runs, [], "2026Q4", ROOT / "data", None, Path("unused.sqlite"))
    images = document.build_charts()
    return document, images, {r.name: r for r in runs}


@pytest.fixture(scope="module")
def doc():
    return _document("baseline.yaml", "ai-written-inflow.yaml", "licensed-text.yaml")


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
    # the title gives the median total by the last year; the subtitle and the caption the share of
    # samples in which synthetic is the margin (in the title it made three lines, cut to "…")
    assert chart["title"].startswith(
        f"AI-written web text, consent erosion: the gap costs {format_quantity(last.loc['total', 'p50'], 'usd')} "
        f"to the end of {int(last['by_end_of'].iloc[0])} (median)")
    assert f"in {last.loc['synthetic', 'p_cheaper']:.0%} of samples with a gap." in chart["caption"]
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
    return _document("baseline.yaml", "synthetic-by-choice.yaml")


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
    line = next(s for s in document._summary_sentences()
                if s.startswith("**The gap's cost**, cheapest routes ("))
    for year in (2030, 2035):
        assert f"**{money(totals.loc[(year, 'total'), 'p50'])}** by end-{year}" in line
        assert f"{money(totals.loc[(year, 'total'), 'p10'])} – {money(totals.loc[(year, 'total'), 'p90'])}" in line
    dearer = max(("all_synthetic", "licensed_first"), key=lambda r: totals.loc[(2035, r), "p50"])
    assert line.endswith(f"would cost {money(totals.loc[(2035, dearer), 'p50'])} by then (p50).")
    # money never takes the token suffix T
    assert not any(ch.isdigit() and nxt == "T" for ch, nxt in zip(line, line[1:]))


def test_every_supply_scenario_has_a_gap_cost_row(chosen):
    document, _, _ = chosen
    context = document.context()
    table = context["gap_costs"]
    assert table.splitlines()[2].startswith("| Baseline (Villalobos et al. 2024) (baseline) ")  # the baseline first
    assert "synthetic-by-choice" in table
    raw = document.data["gap_cost_summary"]
    assert set(raw["scenario"]) == {"baseline", "synthetic-by-choice"}
    assert set(raw["route"]) == {"synthetic", "licensed", "total", "all_synthetic", "licensed_first"}


def test_every_chart_carries_a_source_line_naming_its_scenario_files(doc, monkeypatch):
    """Issue 26: a source line under each chart (drawn into the figure, not only in the caption)."""
    import forecast.report.document as D
    from forecast.report.charts import base as C
    from forecast.report.document_base import figure

    document, _, _ = doc
    seen: dict[str, list[str]] = {}

    def capture(spec):
        with C.style():
            fig = figure(spec)
            seen[spec[0].__name__ + str(len(seen))] = [t.get_text() for t in fig.texts]
        return b""

    monkeypatch.setattr(D, "draw", capture)
    again = Document(document.runs, [], "2026Q4", ROOT / "data", None, Path("unused.sqlite"))
    again.build_charts()
    assert len(seen) == len(again.charts) >= 8
    for name, texts in seen.items():
        sources = [t for t in texts if t.startswith("Source: ")]
        assert len(sources) == 1, name
        assert "quarterly report 2026Q4" in sources[0]
    for chart in again.charts:
        for scenario in chart["scenarios"][:3]:
            assert f"scenarios/{scenario}.yaml" in chart["source"] or "scenario files in scenarios/" in chart["source"]
    hero = next(c for c in again.charts if c["name"] == "fan_baseline")
    assert "data/notable_models.csv" in hero["source"] and "Villalobos et al. 2024" in hero["source"]


def test_the_hero_chart_draws_every_disclosed_run_today_and_the_published_interval(doc):
    document, _, _ = doc
    models = pd.read_csv(ROOT / "data" / "notable_models.csv", comment="#")
    runs = document.data["disclosed_runs"]
    disclosed = models[models["training_tokens"].notna()]
    assert len(runs) == len(disclosed) and list(runs["tokens"]) == list(disclosed["training_tokens"].astype(float))
    # GPT-3's 300B tokens of 2020-05-28 sit at 2020 + 148/365.25 (day 149 of a leap year)
    gpt3 = runs[runs["label"] == "GPT-3 175B"].iloc[0]
    assert gpt3["tokens"] == 3e11 and gpt3["year"] == round(2020 + 148 / 365.25, 3)
    from forecast.report.charts.fans import VILLALOBOS_2024

    assert (VILLALOBOS_2024["p10"], VILLALOBOS_2024["p90"]) == (2026.0, 2033.0)   # 2026 to the end of 2032
    assert VILLALOBOS_2024["p10"] < VILLALOBOS_2024["p50"] < VILLALOBOS_2024["p90"]


def test_the_gap_cost_chart_is_cumulative_like_its_title(doc):
    document, _, runs = doc
    frame = document.data["gap_cost_ai-written-inflow"]
    r = runs["ai-written-inflow"].result
    part = frame[frame["route"] == "synthetic"]
    np.testing.assert_array_equal(part["p50"].to_numpy(), r.metric("gap_cost_synthetic_cumulative")["p50"].to_numpy())
    # a running total never falls
    assert (np.diff(r.stats["gap_cost_synthetic_cumulative"][:, 0]) >= 0).all()


def test_the_consent_loss_is_drawn_below_zero_on_a_linear_axis(doc):
    from forecast.report.charts import base as C
    from forecast.report.charts.dynamics import stock_terms_chart

    document, _, _ = doc
    frame = document.data["stock_terms_ai-written-inflow"]
    with C.style():
        fig = stock_terms_chart(frame, "t", "s")
    ax = fig.axes[0]
    assert ax.get_yscale() == "linear"
    loss = frame.loc[frame["term"] == "stock_consent_loss", "p50"].to_numpy(dtype=float)
    drawn = [line.get_ydata() for line in ax.get_lines() if len(line.get_ydata()) == len(loss)]
    assert any(np.allclose(y, -loss / 1e12) for y in drawn)


def test_each_shipped_scenario_has_its_own_fixed_colour():
    """Issue 26: one colour per scenario across every chart, documented, baseline strong."""
    from forecast.report.charts.base import SCENARIO_COLOURS, scenario_styles

    shipped = sorted(p.stem for p in (ROOT / "scenarios").glob("*.yaml"))
    assert set(shipped) <= set(SCENARIO_COLOURS), "a shipped scenario without a colour"
    colours = [SCENARIO_COLOURS[n] for n in shipped]
    assert len(set(c.lower() for c in colours)) == len(colours), "two scenarios share a colour"
    # stable: the same colour whatever the order or the subset of a chart
    full = scenario_styles(shipped)
    some = scenario_styles(list(reversed(shipped[:4])))
    for name in some:
        assert some[name]["color"] == full[name]["color"] == SCENARIO_COLOURS[name]
    assert full["baseline"]["color"] == "#1a1a1a" and full["baseline"]["linewidth"] > full["slow-growth"]["linewidth"]
    # a user's scenario takes a spare colour no shipped scenario of the chart uses
    extra = scenario_styles(shipped + ["my-scenario", "another"])
    assert extra["my-scenario"]["color"] not in colours and extra["another"]["color"] not in colours
    assert extra["my-scenario"]["color"] != extra["another"]["color"]
