"""Tables of the quarterly report, built from a list of :class:`~forecast.engine.runs.ScenarioRun`.

Each builder returns a DataFrame of raw numbers (written to ``data/*.csv``) or of planner-formatted
strings (rendered as a Markdown pipe table); none of them prints or writes.
"""
from __future__ import annotations

import csv
import hashlib
import io
import math
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from forecast.outputs import (CALENDAR_YEARS, UNIT_WORDS, format_headline, headline,
                              headline_columns, headline_label, input_label)
from forecast.report.markdown import markdown_table
from forecast.engine.runs import ScenarioRun
from forecast.units import format_quantity

__all__ = ["labelled", "title_of", "assumptions_frame", "comparison_data", "comparison_frame", "data_files_frame", "headline_change", "md_table",
           "parent_of", "provenance_frame", "sensitivity_frame", "summary_cost_frame", "summary_supply_frame",
           "synthetic_share", "chooses_synthetic", "gap_cost_frame", "variant_changes", "variant_headline", "variant_line"]



def md_table(frame: pd.DataFrame) -> str:
    """A GitHub pipe table whose cells cannot break the table: ``|`` escaped, line breaks removed."""
    clean = frame.copy()
    for column in clean.columns:
        clean[column] = [str(v).replace("\r", " ").replace("\n", " ").replace("|", "\\|")
                         for v in clean[column]]
    clean.columns = [str(c).replace("|", "\\|") for c in clean.columns]
    return markdown_table(clean)


def title_of(run: ScenarioRun) -> str:
    """The scenario's name for readers: its ``title:``, else its id (the file's ``name``)."""
    return getattr(getattr(run.file, "scenario", None), "title", None) or run.name


def labelled(run: ScenarioRun) -> str:
    """``Baseline (Villalobos et al. 2024) (baseline)``: the title and the id a reader finds the files
    by; the id alone when the scenario has no title (or its title is the id)."""
    title = title_of(run)
    return run.name if title == run.name else f"{title} ({run.name})"


def is_supply(run: ScenarioRun) -> bool:
    return "exhaustion" in run.result.events


def is_cost(run: ScenarioRun) -> bool:
    return "cost_breakdown" in run.result.tables


def synthetic_share(run: ScenarioRun) -> float | None:
    """Median synthetic share of a priced run's mix (0–1), or None when the run prices no mix."""
    draws = run.result.draws.get("cost.run.mix.synthetic")
    if draws is None or not is_cost(run):
        return None
    return float(np.median(np.asarray(draws, dtype=float)))


def chooses_synthetic(run: ScenarioRun) -> bool:
    """Whether labs choose a synthetic share in a supply run (``demand.synthetic_choice``): its chosen
    share's median is above 0 in some quarter."""
    if "synthetic_share_chosen" not in run.result.stats:
        return False
    return bool((run.result.metric("synthetic_share_chosen")["p50"] > 0).any())


def gap_cost_frame(runs: Sequence[ScenarioRun], base: ScenarioRun | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One row per supply scenario that prices its gap (``base`` first): the cumulative cost by the
    cheapest routes by the end of each year of the totals (p50 and 80% interval), the licensed part,
    the two alternatives and P(synthetic cheaper at the margin), by the last of those years.

    Returns (formatted table, the same figures as numbers: one row per scenario, year and route)."""
    priced = [r for r in runs if "gap_cost_totals" in r.result.tables and not r.result.tables["gap_cost_totals"].empty]
    priced.sort(key=lambda r: (r is not base, r.name))
    shown, raw = [], []
    money = lambda v: "$0" if float(v) == 0 else format_quantity(float(v), "usd")  # noqa: E731
    for run in priced:
        totals = run.result.tables["gap_cost_totals"]
        raw.append(totals.assign(scenario=run.name))
        at = totals.set_index(["by_end_of", "route"])
        years = sorted(int(y) for y in totals["by_end_of"].unique())
        last = years[-1]
        row = {"scenario": labelled(run)}
        for y in years:
            row[f"cheapest routes by end-{y}, p50 (80% interval)"] = (
                f"{money(at.loc[(y, 'total'), 'p50'])} ({money(at.loc[(y, 'total'), 'p10'])} – "
                f"{money(at.loc[(y, 'total'), 'p90'])})")
        row[f"of it licensed by end-{last}, p50"] = money(at.loc[(last, "licensed"), "p50"])
        row[f"all synthetic by end-{last}, p50"] = money(at.loc[(last, "all_synthetic"), "p50"])
        row[f"licensed first by end-{last}, p50"] = money(at.loc[(last, "licensed_first"), "p50"])
        p = float(at.loc[(last, "synthetic"), "p_cheaper"])
        row["P(synthetic cheaper at the margin)"] = "–" if p != p else f"{p:.0%}"
        shown.append(row)
    frame = pd.concat(raw, ignore_index=True) if raw else pd.DataFrame()
    return pd.DataFrame(shown), frame


def summary_supply_frame(runs: Sequence[ScenarioRun]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One row per supply scenario: median exhaustion, 80% interval, P(by end of each year).

    Returns (formatted table, the same figures as spreadsheet columns, :func:`headline_columns`)."""
    shown, raw = [], []
    for run in runs:
        if not is_supply(run):
            continue
        h = headline(run.result)
        row = {"scenario": labelled(run), "median exhaustion": format_headline("exhaustion.p50", h["exhaustion.p50"]),
               "80% interval": f"{format_headline('exhaustion.p10', h['exhaustion.p10'])} – "
                               f"{format_headline('exhaustion.p90', h['exhaustion.p90'])}"}
        for year in CALENDAR_YEARS:
            key = f"exhaustion.by_{year}"
            row[f"P(by end {year})"] = format_headline(key, h[key])
        shown.append(row)
        raw.append({"scenario": run.name,
                    **headline_columns({k: v for k, v in h.items() if k.startswith("exhaustion.")})})
    return pd.DataFrame(shown), pd.DataFrame(raw)


def summary_cost_frame(runs: Sequence[ScenarioRun]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One row per cost scenario: p50 cost, 80% interval, cheapest share and P(it is cheapest)."""
    shown, raw = [], []
    for run in runs:
        if not is_cost(run):
            continue
        h = headline(run.result)
        has_mix = "cost.cheapest_share" in h
        shown.append({
            "scenario": labelled(run), "cost p50": format_headline("cost.total.p50", h["cost.total.p50"]),
            "80% interval": f"{format_headline('cost.total.p10', h['cost.total.p10'])} – "
                            f"{format_headline('cost.total.p90', h['cost.total.p90'])}",
            "cheapest synthetic share": (format_headline("cost.cheapest_share", h["cost.cheapest_share"])
                                         if has_mix else "not compared"),
            "P(cheapest)": format_headline("cost.p_cheapest", h["cost.p_cheapest"]) if has_mix else "–",
        })
        raw.append({"scenario": run.name, **headline_columns({k: v for k, v in h.items() if k.startswith("cost.")})})
    return pd.DataFrame(shown), pd.DataFrame(raw)


def _norm(path: str | Path) -> str:
    import os

    return os.path.normcase(os.path.abspath(str(path)))


def parent_of(run: ScenarioRun, runs: Sequence[ScenarioRun]) -> ScenarioRun | None:
    """The run of the file this scenario ``extends`` (its nearest ancestor), when it is in ``runs``."""
    if len(run.file.files) < 2:
        return None
    wanted = _norm(run.file.files[1])
    for other in runs:
        if _norm(other.file.path) == wanted:
            return other
    return None


def _parent_name(run: ScenarioRun, runs: Sequence[ScenarioRun]) -> str:
    parent = parent_of(run, runs)
    if parent is not None:
        return parent.name
    return Path(run.file.files[1]).stem if len(run.file.files) > 1 else "–"


_COMPARE_KEYS = ("exhaustion.p50", "exhaustion.by_2030", "cost.total.p50", "cost.cheapest_share")


def comparison_frame(runs: Sequence[ScenarioRun]) -> pd.DataFrame:
    """Every scenario side by side: what it extends, its description and its main headline figures."""
    rows = []
    for run in runs:
        h = headline(run.result)
        row = {"scenario": labelled(run), "extends": _parent_name(run, runs),
               "what it assumes": " ".join((run.result.description or "").split())}
        for key in _COMPARE_KEYS:
            row[headline_label(key)] = format_headline(key, h[key]) if key in h else "–"
        rows.append(row)
    return pd.DataFrame(rows)


def comparison_data(runs: Sequence[ScenarioRun]) -> pd.DataFrame:
    """:func:`comparison_frame` for a spreadsheet (``data/comparison.csv``): the same scenarios and
    figures as numbers, quarter labels and after-horizon flags (:func:`headline_columns`) under
    machine-readable headers; ``extends`` is empty for a scenario that extends none."""
    rows = []
    for run in runs:
        h = headline(run.result)
        parent = _parent_name(run, runs)
        row: dict[str, Any] = {"scenario": run.name, "extends": "" if parent == "–" else parent,
                               "description": " ".join((run.result.description or "").split())}
        figures = {key: h.get(key, math.nan) for key in _COMPARE_KEYS}
        row.update(headline_columns(figures))
        rows.append(row)
    names = list(headline_columns({key: math.nan for key in _COMPARE_KEYS}))
    return pd.DataFrame(rows, columns=["scenario", "extends", "description", *names])


def _flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(data, dict) and set(data) == {"year", "q"}:  # a quarter
        return {prefix: f"{data['year']}Q{data['q']}"}
    if isinstance(data, dict):
        out: dict[str, Any] = {}
        for key, value in data.items():
            out.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    return {prefix: data}


def _setting_text(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, list):
        return ", ".join(_setting_text(v) for v in value) or "–"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


_IGNORED = {"name", "title", "description"}


def variant_changes(parent: ScenarioRun, child: ScenarioRun) -> pd.DataFrame:
    """What a variant changes against the scenario it extends: inputs old → new, then settings.

    Inputs are compared by their distribution as the inputs tables state it; an input the other
    scenario does not have is "–". Other settings (accelerator, horizon, samples, ...) are compared
    value by value; sources and notes are left out (they do not change a number)."""
    def table(run: ScenarioRun) -> dict[str, dict[str, str]]:
        frame = run.result.inputs
        return {r["input"]: r for r in frame.to_dict("records")}

    old, new = table(parent), table(child)
    rows = []
    for name in sorted(set(old) | set(new)):
        before = old.get(name, {}).get("distribution", "–")
        after = new.get(name, {}).get("distribution", "–")
        if before != after:
            rows.append({"what": name, "before": before, "after": after,
                         "set at": new.get(name, {}).get("set_at", "") or "(removed)"})
    names = set(old) | set(new)
    flat_old = _flatten(parent.file.scenario.model_dump(mode="json"))
    flat_new = _flatten(child.file.scenario.model_dump(mode="json"))
    for key in sorted(set(flat_old) | set(flat_new)):
        if key in _IGNORED or key.endswith((".source", ".note")) or key.rsplit(".", 1)[-1] in ("source", "note"):
            continue
        if any(key == n or key.startswith(n + ".") for n in names):
            continue
        a, b = flat_old.get(key), flat_new.get(key)
        if a != b:
            where = child.file.provenance.get(key, "")
            rows.append({"what": key, "before": _setting_text(a), "after": _setting_text(b), "set at": where})
    return pd.DataFrame(rows, columns=["what", "before", "after", "set at"])


def headline_change(key: str, old: float, new: float) -> str:
    """``+1.25 years``, ``−12 pts``, ``×0.21`` — how a headline figure moved."""
    if any(v is None or (isinstance(v, float) and math.isnan(v)) for v in (old, new)):
        return "–"
    if key.startswith("exhaustion.p"):
        if math.isinf(old) or math.isinf(new):
            return "–" if old == new else ("later than the horizon" if math.isinf(new) else "within the horizon")
        years = new - old
        return "no change" if abs(years) < 1e-9 else f"{years:+.2f} years"
    if key.startswith("exhaustion.by_") or key in ("cost.p_cheapest", "cost.cheapest_share"):
        # the difference of the percentages as printed, so "6% → 3%" reads "-3 pts", never "-2 pts"
        shown = [format_headline(key, v).removesuffix("%") for v in (old, new)]
        if all(t.lstrip("-").isdigit() for t in shown):
            pts = int(shown[1]) - int(shown[0])
            return "no change" if pts == 0 else f"{pts:+d} pts"
        pts = (new - old) * 100
        return "no change" if abs(pts) < 0.5 else f"{pts:+.0f} pts"
    if key.startswith("cost.total"):
        if old <= 0 or not math.isfinite(old) or not math.isfinite(new):
            return "–"
        return "no change" if abs(new / old - 1) < 1e-12 else f"×{new / old:.2f}"
    return f"{new - old:+.4g}"


def variant_headline(parent: ScenarioRun, child: ScenarioRun) -> pd.DataFrame:
    """The headline figures of a variant beside those of the scenario it extends."""
    old, new = headline(parent.result), headline(child.result)
    rows = []
    for key in [k for k in new if k in old]:
        rows.append({"figure": headline_label(key), parent.name: format_headline(key, old[key]),
                     child.name: format_headline(key, new[key]), "change": headline_change(key, old[key], new[key])})
    if parent.name == child.name:
        return pd.DataFrame(rows)
    return pd.DataFrame(rows, columns=["figure", parent.name, child.name, "change"])


def variant_line(parent: ScenarioRun, child: ScenarioRun, changes: pd.DataFrame, page: str) -> str:
    """One line for the report: the variant (linked to its detail page, where the changes are in full),
    what it changes and what that does to its main headline figures (medians, P(by end of 2030), p50
    cost)."""
    what = list(changes["what"])
    if not what:
        changed = "changes no input or setting"
    else:
        shown = ", ".join(f"`{w}`" for w in what[:3])
        changed = f"changes {shown}" + (f" and {len(what) - 3} more" if len(what) > 3 else "")
    old, new = headline(parent.result), headline(child.result)
    moves = []
    for key, label in (("exhaustion.p50", "median exhaustion"), ("exhaustion.by_2030", "P(by end of 2030)"),
                       ("cost.total.p50", "cost p50")):
        if key in old and key in new:
            moves.append(f"{label} {format_headline(key, old[key])} → {format_headline(key, new[key])} "
                         f"({headline_change(key, old[key], new[key])})")
    return (f"[{child.name}]({page}) against {parent.name}: {changed}"
            + ("; " + ", ".join(moves) if moves else "") + ".")


def assumptions_frame(runs: Sequence[ScenarioRun]) -> pd.DataFrame:
    """Every input of every scenario once: value or interval, unit, source, where it is set, users."""
    seen: dict[tuple, list[str]] = {}
    for run in runs:
        level = run.result.notes.get("demand_level") or {}
        for r in run.result.inputs.to_dict("records"):
            value = r["distribution"]
            if level.get("from") == "scenario" and r["input"] == "demand.historical.current_largest":
                value += f"; {level['text']}"  # a stated level next to a fitted growth (docs/derivations.md §10)
            key = (r["input"], value, UNIT_WORDS.get(r["kind"], r["kind"]), r["source"] or "–",
                   r["set_at"] or "default")
            seen.setdefault(key, []).append(run.name)
    rows = [{"input": k[0], "value or interval": k[1], "unit": k[2], "source": k[3], "set at": k[4],
             "used by": ", ".join(names)} for k, names in seen.items()]
    frame = pd.DataFrame(rows, columns=["input", "value or interval", "unit", "source", "set at", "used by"])
    return frame.sort_values(["input", "set at"], kind="stable").reset_index(drop=True)


def provenance_frame(runs: Sequence[ScenarioRun]) -> pd.DataFrame:
    """Version, file, content hash, seed and samples of every run."""
    return pd.DataFrame([{"scenario": r.name, "file": r.file.path, "sha256": r.result.scenario_hash,
                          "seed": r.result.seed, "samples": r.result.samples, "version": r.result.version}
                         for r in runs])


def data_files_frame(runs: Sequence[ScenarioRun], data_dir: Path) -> pd.DataFrame:
    """SHA-256, size [bytes] and data rows of every reference CSV the runs read, and which runs read it
    (:func:`forecast.io.references.data_files`)."""
    from forecast.io.references import data_files

    users: dict[str, list[str]] = {}
    for run in runs:
        for name in data_files(run.file.scenario):
            users.setdefault(name, []).append(run.name)
    rows = []
    for name in sorted(users):
        body = (Path(data_dir) / name).read_bytes()
        records = list(csv.reader(io.StringIO(body.decode("utf-8", errors="replace"))))
        rows.append({"file": f"data/{name}", "sha256": hashlib.sha256(body).hexdigest(), "bytes": len(body),
                     "rows": max(len([r for r in records if r]) - 1, 0), "used by": ", ".join(users[name])})
    return pd.DataFrame(rows, columns=["file", "sha256", "bytes", "rows", "used by"])


def sensitivity_frame(run: ScenarioRun, outcome: str, limit: int = 12) -> pd.DataFrame:
    """Spearman rank correlation of each drawn input with an outcome, largest |rho| first.

    ``outcome`` is ``exhaustion`` (the exhaustion quarter of each sample; samples after the horizon
    rank last) or ``cost.total`` (the total cost of each sample [USD]). Inputs that do not vary,
    and those whose |rho| is within two standard errors of zero (2/sqrt(n - 1), sampling noise), are
    left out. Needs a result run with ``keep_samples=True``.
    """
    from scipy.stats import spearmanr

    result = run.result
    y = (result.events.get("exhaustion") if outcome == "exhaustion" else result.outcomes.get(outcome))
    columns = ["input", "label", "rho", "samples"]
    if y is None or not result.draws:
        return pd.DataFrame(columns=columns)
    y = np.asarray(y, dtype=float)
    keep = np.isfinite(y)
    names = []
    for name, x in result.draws.items():
        x = np.asarray(x, dtype=float)
        if np.isfinite(x[keep]).all() and keep.sum() >= 3 and np.ptp(x[keep]) > 0:
            names.append(name)
    rows = []
    if names and np.ptp(y[keep]) > 0:
        # one call ranks every column once; row 0 of the matrix is the outcome against each input
        matrix = np.column_stack([y[keep]] + [np.asarray(result.draws[n], dtype=float)[keep] for n in names])
        stat = spearmanr(matrix).statistic
        rho = [float(stat)] if np.ndim(stat) == 0 else stat[0, 1:]
        for name, r in zip(names, rho):
            label = input_label(name)
            rows.append({"input": name, "label": label, "rho": float(r), "samples": int(keep.sum())})
    frame = pd.DataFrame(rows, columns=columns)
    # |rho| below two standard errors of zero correlation (1/sqrt(n - 1)) is sampling noise
    frame = frame[frame["rho"].abs() >= 2.0 / np.sqrt(max(len(y) - 1, 1))]
    if frame.empty:
        return frame.reset_index(drop=True)
    frame = frame.assign(order=-frame["rho"].abs()).sort_values(["order", "input"], kind="stable")
    return frame.drop(columns="order").head(limit).reset_index(drop=True)
