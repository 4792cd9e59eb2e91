"""The backtest scorecard of ``peakdata trends`` as the terminal shows it: raw and calibrated
coverage side by side, bias, the proper score, and whether the method ``best`` picks meets the
target (:func:`forecast.fit.backtest.target_check`)."""
from __future__ import annotations

import pandas as pd

__all__ = ["calibrated_scorecard_view", "target_view"]


def calibrated_scorecard_view(report) -> pd.DataFrame:
    """Per series, method and horizon: forecasts, bias and MAE [OOM], 80% coverage of the method's
    own band and of the calibrated band, the share of bands calibrated, and the proper score of
    both [OOM, lower is better]; the method ``best`` picks marked."""
    card = report.scorecard
    columns = ["series", "method", "horizon", "n", "bias [OOM]", "MAE [OOM]", "coverage raw",
               "coverage calibrated", "calibrated", "score raw", "score calibrated"]
    if card.empty:
        return pd.DataFrame(columns=columns)
    nominal = card["nominal"].iloc[0]
    return pd.DataFrame({
        "series": card["series"],
        "method": card["method"] + (card["method"] == card["best"]).map({True: " (best)", False: ""}),
        "horizon": card["horizon"].map(lambda h: f"{h}q" if h != "all" else "all"), "n": card["n"],
        "bias [OOM]": card["bias"].map(lambda v: f"{v:+.3f}"), "MAE [OOM]": card["mae"].map(lambda v: f"{v:.3f}"),
        "coverage raw": card["coverage_raw"].map(lambda v: f"{v:.0%}"),
        "coverage calibrated": [f"{c:.0%} of {nominal:.0%}" for c in card["coverage"]],
        "calibrated": card["calibrated"].map(lambda v: f"{v:.0%}"),
        "score raw": card["score_raw"].map(lambda v: f"{v:.3f}"),
        "score calibrated": card["score"].map(lambda v: f"{v:.3f}")}, columns=columns)


def target_view(report) -> pd.DataFrame:
    """Per series: the method ``best`` picks, its calibrated coverage and bias over all horizons, and
    whether each is inside the target (nominal ± 10 points; ± 0.3 OOM)."""
    from forecast.fit.backtest import TARGET_BIAS, TARGET_COVERAGE_GAP, target_check

    check = target_check(report.scorecard)
    if check.empty:
        return pd.DataFrame()
    nominal = report.scorecard["nominal"].iloc[0]
    band = f"{nominal - TARGET_COVERAGE_GAP:.0%}–{nominal + TARGET_COVERAGE_GAP:.0%}"
    mark = {True: "yes", False: "NO"}
    return pd.DataFrame({
        "series": check["series"], "best": check["best"], "n": check["n"],
        "coverage (raw → calibrated)": [f"{r:.0%} → {c:.0%}" for r, c in zip(check["coverage_raw"], check["coverage"])],
        f"in {band}": check["coverage_ok"].map(mark),
        "bias [OOM]": check["bias"].map(lambda v: f"{v:+.3f}"),
        f"within ±{TARGET_BIAS:g}": check["bias_ok"].map(mark)})
