"""Trend intervals recalibrated from each method's own out-of-sample errors (split conformal).

The adapters' own intervals (:mod:`forecast.fit.methods`) assume their model is right; on the
frontier of datasets and compute it is not, and their 80% bands covered 19–69% of what happened
next, or all of it (OLS on dataset sizes, a band orders of magnitude wide). This module replaces
each band by the method's *track record*: the split-conformal interval with absolute-error scores
(Vovk et al. 2005; Lei et al. 2018, §2.2, "split conformal prediction"), horizon by horizon.

A fit of ``method`` as of quarter Q, ``h`` quarters ahead, gets the band ``forecast ± q_h``:

1. **Past errors.** The same method is fitted as of each of the :data:`WINDOW` (16) origins
   o = Q − 16 … Q − 1 on the rows known before o. Each forecast ``h'`` quarters ahead of o whose
   target quarter ``o + h' − 1`` is before Q gives one error ``|actual − forecast|`` [OOM], the
   actual being the frontier *as known at Q*: from the disclosed rows known before Q (an imputed
   dataset size may enter a fit but is never truth), up to the quarter before Q (a quarter
   without a row keeps the frontier before it, as the fit as of Q itself sees it). Nothing known on or after Q enters, so a calibrated fit as of Q never sees later
   data (the as-of property of :mod:`forecast.fit.frontier` still holds). The window is four
   years because early fits, on a handful of points, miss by more than later ones: on simulated
   trends with every origin since the first row, the 80% bands covered 85–95%.
2. **Per horizon.** With n ≥ 4 errors at horizon h (n ≥ coverage / (1 − coverage)), ``q_h`` is
   their :func:`conformal_quantile`: the (n + 1)·coverage-th smallest, which a new exchangeable
   error stays below with probability ``coverage``.
3. **Fallback: pooled horizons.** With fewer errors at h, the errors of every horizon h' are
   pooled, each scaled to h by √(h / h') (a random walk's spread grows with √h), and the same
   quantile taken.
4. **Fallback: the raw band.** With fewer than 4 errors even pooled (the first origins of a
   series), the method's own band is kept and marked ``raw``; the scorecard says how many
   forecasts that was (``calibrated``).

The median (the fit's ``forecast``) is not moved, and the band is symmetric about it. Shifting the
median by the median past error, or taking separate quantiles of the signed errors below and above
it (which needs 9 errors at 80%), made the backtest worse on dataset sizes and compute: their
errors change sign between regimes (forecasts too high through the 2020–21 plateau after GPT-3,
too low after GPT-4), so the last regime's sign is the wrong guess for the next.

Example: four past errors 0.1, −0.3, 0.2, 0.6 OOM at h = 4 and coverage 80%: rank 5 × 0.8 = 4,
the 4th smallest |error| is 0.6, so the band is forecast ± 0.6 OOM; h = 1 has no errors of its own
and borrows them scaled by √(1/4): 0.05, 0.15, 0.1, 0.3 → ± 0.3 OOM.

>>> import numpy as np
>>> halfwidth, source, n = conformal_halfwidths(np.array([4, 4, 4, 4]), np.array([0.1, -0.3, 0.2, 0.6]), 4, 0.8)
>>> float(halfwidth[3]), source[3], int(n[3])
(0.6, 'horizon', 4)
>>> source[0], round(float(halfwidth[0]), 3)     # h = 1 borrows them, scaled by √(1/4)
('pooled', 0.3)
"""
from __future__ import annotations

import dataclasses
import math
from typing import Mapping, Sequence

import numpy as np

from forecast.errors import FitError
from forecast.fit.frontier import FrontierRule, Observations, fit_input, quarterly_frontier
from forecast.fit.methods import Calibration, SeriesFit, fit_method
from forecast.units import Quarter

__all__ = ["Calibration", "actuals", "past_errors", "conformal_quantile", "conformal_halfwidths",
           "calibrate", "calibrated_fits", "calibrated_fit", "quantile_score"]


def actuals(obs: Observations, rule: FrontierRule, last: int | None = None) -> dict[int, float]:
    """Quarter ordinal → log10 of the frontier value, from the first row's quarter to ``last``.

    ``last`` defaults to the quarter before :attr:`Observations.latest`: a quarter after the last
    row of ``data/`` has no value yet. A quarter without a row has the frontier of the quarter
    before (the ``record`` rule's "largest so far"), as a fit sees it.
    """
    if not len(obs.t):
        return {}
    quarters, z = quarterly_frontier(obs, rule, obs.latest.ordinal - 1 if last is None else last)
    return dict(zip(quarters.tolist(), (obs.direction * z).tolist()))


#: Origins whose errors calibrate a fit: the last 16 quarters before its as-of quarter [quarters].
WINDOW = 16


def past_errors(fits: Mapping[int, SeriesFit], truth: Mapping[int, float], as_of: int,
                window: int = WINDOW) -> tuple[np.ndarray, np.ndarray]:
    """Horizons [quarters] and errors actual − forecast [OOM] of the forecasts in ``fits`` (origin
    ordinal → raw fit) made in the ``window`` quarters before ``as_of``, for target quarters before
    it with a value in ``truth``.
    """
    horizons, errors = [], []
    for origin in sorted(fits):
        if origin >= as_of:
            break
        if origin < as_of - window:
            continue
        forecast = fits[origin].forecast
        for h in range(1, min(forecast.size, as_of - origin) + 1):
            actual = truth.get(origin + h - 1)
            if actual is not None:
                horizons.append(h)
                errors.append(actual - float(forecast[h - 1]))
    return np.asarray(horizons, dtype=np.int64), np.asarray(errors, dtype=float)


def conformal_quantile(scores: np.ndarray, coverage: float) -> float:
    """The (n + 1)·coverage-th smallest of n ``scores``, interpolated between its neighbours, or
    NaN when that rank exceeds n (too few scores).

    A new exchangeable score falls below the k-th smallest of n with probability k / (n + 1), so
    this quantile covers ``coverage`` on average (numpy's ``weibull`` quantile, Hyndman & Fan 1996
    definition 6). It needs n ≥ coverage / (1 − coverage) scores: 4 at 80%.

    >>> conformal_quantile(np.array([3.0, 1.0, 2.0, 5.0, 4.0]), 0.8)   # rank 6 × 0.8 = 4.8
    4.8
    >>> conformal_quantile(np.array([1.0, 2.0, 3.0]), 0.8)              # rank 3.2 > 3
    nan
    """
    scores = np.asarray(scores, dtype=float)
    if scores.size == 0 or round((scores.size + 1) * coverage, 9) > scores.size:
        return math.nan
    return float(np.quantile(scores, coverage, method="weibull"))


def conformal_halfwidths(horizons: np.ndarray, errors: np.ndarray, steps: int,
                         coverage: float) -> tuple[np.ndarray, tuple[str, ...], np.ndarray]:
    """Half-width of the band at h = 1 … ``steps`` [OOM], its source and the errors behind it.

    ``horizons`` and ``errors`` are :func:`past_errors`; see the module docstring for the rule.
    """
    horizons = np.asarray(horizons, dtype=float)
    size = np.abs(np.asarray(errors, dtype=float))
    halfwidth, source, n = np.full(steps, np.nan), [], np.zeros(steps, dtype=np.int64)
    for h in range(1, steps + 1):
        own = size[horizons == h]
        q = conformal_quantile(own, coverage)
        if q == q:
            halfwidth[h - 1], n[h - 1] = q, own.size
            source.append("horizon")
            continue
        q = conformal_quantile(size * np.sqrt(h / horizons), coverage) if size.size else math.nan
        halfwidth[h - 1], n[h - 1] = q, size.size
        source.append("pooled" if q == q else "raw")
    return halfwidth, tuple(source), n


def calibrate(fit: SeriesFit, halfwidth: np.ndarray, source: Sequence[str], n: np.ndarray) -> SeriesFit:
    """``fit`` with its band replaced by ``forecast ± halfwidth`` where ``source`` is not ``raw``.

    The raw band stays in :attr:`SeriesFit.calibration`; ``forecast``, growth and everything else
    are the fit's own.
    """
    keep = np.array([s == "raw" for s in source], dtype=bool)
    width = np.where(keep, 0.0, np.nan_to_num(halfwidth))
    lower = np.where(keep, fit.lower, fit.forecast - width)
    upper = np.where(keep, fit.upper, fit.forecast + width)
    about = Calibration(tuple(source), np.asarray(n, dtype=np.int64), np.asarray(halfwidth, dtype=float),
                        fit.lower, fit.upper)
    return dataclasses.replace(fit, lower=lower, upper=upper, calibration=about)


def calibrated_fits(obs: Observations, rule: FrontierRule, as_of: Sequence[Quarter], method: str,
                    steps: int, coverage: float = 0.8, seed: int = 0, store=None,
                    truth: Observations | None = None) -> tuple[dict[int, SeriesFit], dict[int, str]]:
    """Calibrated fits of ``method`` as of each quarter in ``as_of``, and why the others failed.

    ``truth`` holds the rows forecasts are scored against, default the disclosed rows of ``obs``
    (an imputed dataset size may enter a fit, never a past error); each as-of quarter sees only
    its rows known before that quarter. Returns
    (as-of ordinal → calibrated :class:`SeriesFit`, as-of ordinal → the :class:`FitError` message).
    Every raw fit comes from :func:`forecast.fit.methods.fit_method` (cached).
    """
    truth = obs.take(~obs.imputed) if truth is None else truth
    targets = sorted({Quarter.parse(q).ordinal for q in as_of})
    if not targets:
        return {}, {}
    first = max(int(obs.quarter.min()) + 1, targets[0] - WINDOW) if len(obs.quarter) else targets[0]
    raw, failed = {}, {}
    for origin in sorted(set(range(first, targets[-1])) | set(targets)):
        try:
            raw[origin] = fit_method(method, fit_input(obs, Quarter.from_ordinal(origin), rule), steps,
                                     coverage, seed, store)
        except FitError as exc:
            failed[origin] = str(exc)
    out = {}
    for q in targets:
        if q not in raw:
            continue
        known = actuals(truth.before(Quarter.from_ordinal(q)), rule, q - 1)
        horizons, errors = past_errors(raw, known, q)
        out[q] = calibrate(raw[q], *conformal_halfwidths(horizons, errors, steps, coverage))
    return out, {q: failed[q] for q in targets if q in failed}


def calibrated_fit(obs: Observations, rule: FrontierRule, as_of: Quarter, method: str, steps: int,
                   coverage: float = 0.8, seed: int = 0, store=None,
                   truth: Observations | None = None) -> SeriesFit:
    """The calibrated fit of ``method`` as of ``as_of`` (:func:`calibrated_fits` for one quarter).

    Raises
    ------
    FitError
        The method cannot fit as of ``as_of`` (too few points, or the library failed).
    """
    fits, failed = calibrated_fits(obs, rule, [as_of], method, steps, coverage, seed, store, truth)
    q = Quarter.parse(as_of).ordinal
    if q in failed:
        raise FitError(failed[q])
    return fits[q]


def quantile_score(actual: np.ndarray, median: np.ndarray, lower: np.ndarray, upper: np.ndarray,
                   coverage: float) -> np.ndarray:
    """Proper score of a forecast given as its median and central ``coverage`` interval [OOM].

    The quantile (pinball-loss) approximation of the CRPS at the three levels the forecast states,
    (1 − coverage)/2, 1/2 and (1 + coverage)/2: 2/3 × the sum of their pinball losses
    (``scoringrules.crps_quantile``; Berrisch & Ziel 2023). It equals the weighted interval score
    of Bracher et al. 2021 (one interval, K = 1; weights 1/2 and α/2): (|y − m|/2 + α/2 · IS_α) / 1.5
    with IS_α = (u − l) + 2/α · (distance of y outside [l, u]). Lower is better.

    Example: median 0, 80% interval −1 … 0.5, actual 1: pinball losses 0.1 × 2, 0.5 × 1, 0.9 × 0.5
    sum to 1.15, so the score is 2/3 × 1.15 = 0.7667 (= (0.5 + 0.1 × 6.5) / 1.5).

    >>> round(float(quantile_score(np.array([1.0]), np.array([0.0]), np.array([-1.0]), np.array([0.5]), 0.8)[0]), 4)
    0.7667
    """
    import scoringrules

    tail = (1.0 - coverage) / 2.0
    quantiles = np.stack([np.asarray(lower, dtype=float), np.asarray(median, dtype=float),
                          np.asarray(upper, dtype=float)], axis=-1)
    return np.asarray(scoringrules.crps_quantile(np.asarray(actual, dtype=float), quantiles,
                                                 np.array([tail, 0.5, 1.0 - tail]), backend="numpy"),
                      dtype=float)
