"""Trend-fit adapters: statsmodels OLS, quantile regression and damped-trend ETS, and Prophet.

Each adapter takes a :class:`~forecast.fit.frontier.FitInput` (data known before the origin
quarter, in ``z = direction · log10(value)``), forecasts ``steps`` quarters from the origin on, and
returns a :class:`SeriesFit` in log10 of the value. Nothing prints; statsmodels, Prophet and
cmdstanpy are imported inside the adapters (cold start) and their warnings and logs are silenced
there.

=========  ===============================================================================
method     model
=========  ===============================================================================
ols        OLS of the frontier on time at the quarters where it moved (its record steps);
           prediction interval of a new observation (``obs_ci``)
quantreg   quantile regression (τ = 0.9) of every release on time: the frontier envelope
           (Koenker & Bassett 1978; Chamberlain-bandwidth standard error, or its normal-errors
           approximation when that is undefined); interval = envelope + the 10th–90th
           percentile of the frontier's residuals from it, widened by the slope's standard
           error times the distance from the releases' mean date
ets        additive-error, additive damped-trend exponential smoothing of the quarterly
           frontier (Hyndman et al. 2008, ETS(A,Ad,N)); exact prediction intervals
prophet    Prophet on the quarterly frontier: linear growth, no seasonality or holidays, MAP
           fit; intervals from ``uncertainty_samples`` seeded draws (Taylor & Letham 2018)
=========  ===============================================================================

The quarter ``origin + h − 1`` is "h quarters ahead" and is evaluated at its end. Growth is
reported in OOM/yr of the value (negative for a falling price per FLOP) with a standard deviation:
the slope's standard error (ols, quantreg), the Prophet trend's spread over its draws, or, for ETS,
the half-width of the interval at the last step turned into a yearly rate.
"""
from __future__ import annotations

import functools
import hashlib
import logging
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Literal

import numpy as np

from forecast.errors import FitError
from forecast.fit.frontier import FitInput
from forecast.units import Quarter

__all__ = ["SeriesFit", "Calibration", "METHODS", "Method", "fit_method", "clear_cache", "cache_info"]

Method = Literal["ols", "quantreg", "ets", "prophet"]

#: Minimum points each method needs (events for quantreg, frontier steps for ols, quarters else).
MIN_POINTS = {"ols": 3, "quantreg": 5, "ets": 8, "prophet": 6}
#: Quantile of the envelope fitted by quantreg.
ENVELOPE_TAU = 0.9
#: se(quantile slope) / se(OLS slope) for normal errors, √(τ(1−τ)) / φ(Φ⁻¹(τ)) (Koenker 2005, §3.2);
#: used when statsmodels' kernel estimate is undefined (its bandwidth passes τ = 1 on few points).
_QR_NORMAL_FACTOR = float(np.sqrt(ENVELOPE_TAU * (1 - ENVELOPE_TAU))
                          / (np.exp(-0.5 * 1.2815515655446004 ** 2) / np.sqrt(2 * np.pi)))


@dataclass(frozen=True)
class Calibration:
    """How a fit's band was recalibrated from the method's past errors (:mod:`forecast.fit.calibrate`).

    Attributes
    ----------
    source : tuple of str
        Per forecast step h = 1 … steps: ``horizon`` (its own errors), ``pooled`` (every
        horizon's, scaled by √(h / h')) or ``raw`` (too few errors: the method's own band kept).
    n : numpy.ndarray
        Errors behind each step's quantile [count].
    halfwidth : numpy.ndarray
        The calibrated band's half-width; NaN where ``raw`` [OOM].
    raw_lower, raw_upper : numpy.ndarray
        The method's own band, log10 of the value [log10 unit].
    """

    source: tuple[str, ...]
    n: np.ndarray
    halfwidth: np.ndarray
    raw_lower: np.ndarray
    raw_upper: np.ndarray


@dataclass(frozen=True)
class SeriesFit:
    """One fit of one series as of one quarter.

    Attributes
    ----------
    series, method : str
    as_of : Quarter
        Origin: the fit saw rows dated (and known) before this quarter.
    params : dict
        The method's fitted parameters (names as the library gives them).
    t : numpy.ndarray
        Years of the fitted points [yr].
    observed, fitted, residuals : numpy.ndarray
        log10 of the value at ``t``: observed, in-sample fit and observed − fitted [log10 unit].
    horizon : numpy.ndarray
        Quarter ordinals of the forecast steps ``as_of … as_of + steps − 1``.
    forecast, lower, upper : numpy.ndarray
        Central forecast and ``coverage`` prediction interval, log10 of the value at the end of
        each horizon quarter [log10 unit].
    coverage : float
        Nominal coverage of ``lower … upper`` [fraction].
    growth, growth_sd : float
        Yearly trend of log10 value and its standard deviation [OOM/yr].
    calibration : Calibration or None
        Set on a fit whose band was recalibrated from the method's past errors
        (:mod:`forecast.fit.calibrate`): ``lower``/``upper`` are then the calibrated band and the
        method's own band is ``calibration.raw_lower``/``raw_upper`` (also :attr:`raw`). ``None``
        on a fit as the method made it.
    """

    series: str
    method: str
    as_of: Quarter
    params: dict
    t: np.ndarray
    observed: np.ndarray
    fitted: np.ndarray
    residuals: np.ndarray
    horizon: np.ndarray
    forecast: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    coverage: float
    growth: float
    growth_sd: float
    notes: dict = field(default_factory=dict)
    calibration: Calibration | None = None

    @property
    def n(self) -> int:
        return int(self.t.size)

    @property
    def raw(self) -> "SeriesFit":
        """The fit with the method's own band (itself when it was not recalibrated)."""
        if self.calibration is None:
            return self
        import dataclasses

        return dataclasses.replace(self, lower=self.calibration.raw_lower, upper=self.calibration.raw_upper,
                                   calibration=None)

    def at(self, h: int) -> tuple[float, float, float]:
        """Forecast, lower and upper bound ``h`` quarters ahead (h = 1 is the ``as_of`` quarter)."""
        return float(self.forecast[h - 1]), float(self.lower[h - 1]), float(self.upper[h - 1])

    def growth_ppf(self, u: np.ndarray, oom: bool = False) -> np.ndarray:
        """Yearly growth factor at normal quantiles ``u`` of the fitted trend [factor/yr].

        With ``oom`` the slope itself [OOM/yr]. The trend is taken as normal in OOM/yr with mean
        :attr:`growth` and standard deviation :attr:`growth_sd`.
        """
        from scipy.stats import norm

        slope = norm.ppf(np.asarray(u, dtype=float), self.growth, max(self.growth_sd, 1e-12))
        return slope if oom else 10.0 ** slope


def _end_years(ordinals: np.ndarray) -> np.ndarray:
    return (np.asarray(ordinals, dtype=float) + 1.0) / 4.0


@contextmanager
def _quiet():
    """Silence library warnings and the loggers of prophet and cmdstanpy inside a fit."""
    loggers = [logging.getLogger(name) for name in ("prophet", "cmdstanpy", "prophet.plot")]
    before = [(lg.level, lg.disabled) for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL)
        lg.disabled = True
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            yield
    finally:
        for lg, (level, disabled) in zip(loggers, before):
            lg.setLevel(level)
            lg.disabled = disabled


def _z_of(p: float) -> float:
    from scipy.stats import norm

    return float(norm.ppf(0.5 + p / 2.0))


def _result(data: FitInput, method: str, params: dict, t, observed_z, fitted_z, fc, lo, hi,
            coverage: float, growth_z: float, growth_sd: float, steps: int, **notes) -> SeriesFit:
    """Turn z-space arrays into log10 of the value (a −1 direction flips and swaps the bounds)."""
    d = data.direction
    fc, lo, hi = (np.asarray(a, dtype=float) for a in (fc, lo, hi))
    lower, upper = (lo, hi) if d > 0 else (-hi, -lo)
    obs, fit = d * np.asarray(observed_z, dtype=float), d * np.asarray(fitted_z, dtype=float)
    return SeriesFit(data.series, method, Quarter.from_ordinal(data.origin), params,
                     np.asarray(t, dtype=float), obs, fit, obs - fit,
                     np.arange(data.origin, data.origin + steps), d * fc, lower, upper, coverage,
                     d * float(growth_z), float(growth_sd), notes)


def _need(data: FitInput, method: str, have: int) -> None:
    if have < MIN_POINTS[method]:
        raise FitError(f"{data.series} as of {Quarter.from_ordinal(data.origin)}: {method} needs at "
                       f"least {MIN_POINTS[method]} points, has {have}")


def fit_ols(data: FitInput, steps: int, coverage: float, seed: int = 0) -> SeriesFit:
    import statsmodels.api as sm

    mask = data.steps_mask
    x, y = _end_years(data.quarters[mask]), data.frontier[mask]
    _need(data, "ols", x.size)
    if np.ptp(x) == 0:
        raise FitError(f"{data.series}: every frontier step is in one quarter")
    with _quiet():
        res = sm.OLS(y, sm.add_constant(x)).fit()
        xf = _end_years(np.arange(data.origin, data.origin + steps))
        frame = res.get_prediction(sm.add_constant(xf, has_constant="add")).summary_frame(alpha=1 - coverage)
    intercept, slope = (float(v) for v in res.params)
    return _result(data, "ols", {"intercept": intercept, "slope": slope, "slope_se": float(res.bse[1]),
                                 "sigma": float(np.sqrt(res.scale))},
                   x, y, res.fittedvalues, frame["mean"], frame["obs_ci_lower"], frame["obs_ci_upper"],
                   coverage, slope, float(res.bse[1]), steps)


def fit_quantreg(data: FitInput, steps: int, coverage: float, seed: int = 0) -> SeriesFit:
    import statsmodels.api as sm

    x, y = data.events_t, data.events_z
    _need(data, "quantreg", x.size)
    if np.ptp(x) == 0:
        raise FitError(f"{data.series}: every release has one date")
    x0 = float(x.mean())  # centred dates: the solver converges in tens of steps, not thousands
    with _quiet():
        res = sm.QuantReg(y, sm.add_constant(x - x0)).fit(q=ENVELOPE_TAU, max_iter=2000,
                                                           bandwidth="chamberlain")
    level, slope = (float(v) for v in res.params)
    se = float(res.bse[1])
    if not np.isfinite(se):  # the kernel bandwidth reaches past τ = 1 on small samples
        se = _QR_NORMAL_FACTOR * float(sm.OLS(y, sm.add_constant(x - x0)).fit().bse[1])
    qx = _end_years(data.quarters)
    resid = data.frontier - (level + slope * (qx - x0))
    tail = (1.0 - coverage) / 2.0
    r_lo, r_mid, r_hi = np.quantile(resid, [tail, 0.5, 1.0 - tail])
    xf = _end_years(np.arange(data.origin, data.origin + steps))
    line = level + slope * (xf - x0)
    spread = _z_of(coverage) * se * np.abs(xf - x0)
    return _result(data, "quantreg", {"intercept": level - slope * x0, "slope": slope, "slope_se": se,
                                      "tau": ENVELOPE_TAU, "offset": float(r_mid)},
                   qx, data.frontier, level + slope * (qx - x0) + r_mid, line + r_mid,
                   line + r_lo - spread, line + r_hi + spread, coverage, slope, se, steps)


def fit_ets(data: FitInput, steps: int, coverage: float, seed: int = 0) -> SeriesFit:
    import pandas as pd
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    _need(data, "ets", data.frontier.size)
    index = pd.PeriodIndex([str(Quarter.from_ordinal(int(q))) for q in data.quarters], freq="Q")
    y = pd.Series(data.frontier, index=index)
    with _quiet():
        try:
            res = ETSModel(y, error="add", trend="add", damped_trend=True).fit(disp=False)
            frame = res.get_prediction(start=y.size, end=y.size + steps - 1).summary_frame(alpha=1 - coverage)
        except (ValueError, np.linalg.LinAlgError) as exc:
            raise FitError(f"{data.series}: ETS failed: {exc}") from None
    fc, lo, hi = (frame[c].to_numpy(dtype=float) for c in ("mean", "pi_lower", "pi_upper"))
    years = steps / 4.0
    last = float(np.asarray(res.fittedvalues)[-1])
    growth = (fc[-1] - float(data.frontier[-1])) / years
    sd = (hi[-1] - lo[-1]) / (2.0 * _z_of(coverage)) / years
    params = {name: float(v) for name, v in zip(res.param_names, np.asarray(res.params))}
    return _result(data, "ets", params, _end_years(data.quarters), data.frontier,
                   np.asarray(res.fittedvalues), fc, lo, hi, coverage, growth, sd, steps,
                   last_fitted=last)


#: Prophet draws per fit (intervals and trend spread).
PROPHET_SAMPLES = 300


def fit_prophet(data: FitInput, steps: int, coverage: float, seed: int = 0) -> SeriesFit:
    import pandas as pd

    _need(data, "prophet", data.frontier.size)
    ends = [pd.Period(str(Quarter.from_ordinal(int(q))), freq="Q").end_time.normalize()
            for q in np.arange(data.quarters[0], data.origin + steps)]
    frame = pd.DataFrame({"ds": ends[:data.frontier.size], "y": data.frontier})
    state = np.random.get_state()
    with _quiet():  # the import logs "Importing plotly failed" and resets prophet's log level
        from prophet import Prophet
    with _quiet():
        try:
            model = Prophet(growth="linear", yearly_seasonality=False, weekly_seasonality=False,
                            daily_seasonality=False, uncertainty_samples=PROPHET_SAMPLES,
                            interval_width=coverage)
            model.fit(frame, algorithm="LBFGS", seed=int(seed) % (2**31))
            np.random.seed(int(seed) % (2**32))
            future = pd.DataFrame({"ds": ends})
            # no seasonality or regressors: the point forecast (predict's yhat) is the trend itself,
            # and one set of posterior draws gives both the interval and the spread of the slope
            # (predict would draw a second set of its own for the interval)
            yhat = np.asarray(model.predict_trend(model.setup_dataframe(future.copy())), dtype=float)
            draws = model.predictive_samples(future.iloc[-steps - 1:])
        except (RuntimeError, ValueError) as exc:
            raise FitError(f"{data.series}: Prophet failed: {exc}") from None
        finally:
            np.random.set_state(state)
    n = data.frontier.size
    fc = yhat[n:]
    # Prophet's own interval rule (Prophet.predict_uncertainty): percentiles of the yhat draws
    lo, hi = np.nanpercentile(np.asarray(draws["yhat"])[1:], [50.0 * (1 - coverage), 50.0 * (1 + coverage)], axis=1)
    trend = np.asarray(draws["trend"])  # (steps + 1, samples): last observed quarter, then steps
    years = steps / 4.0
    slopes = (trend[-1] - trend[0]) / years
    return _result(data, "prophet", {"k": float(model.params["k"].ravel()[0]),
                                     "m": float(model.params["m"].ravel()[0]),
                                     "sigma_obs": float(model.params["sigma_obs"].ravel()[0])},
                   _end_years(data.quarters), data.frontier, yhat[:n],
                   fc, lo, hi, coverage, float(np.mean(slopes)), float(np.std(slopes)), steps)


METHODS: dict[str, Callable[..., SeriesFit]] = {
    "ols": fit_ols, "quantreg": fit_quantreg, "ets": fit_ets, "prophet": fit_prophet}

# --- cache ---------------------------------------------------------------------------------------

#: In-process cache of fits: hash of the data and settings → SeriesFit (bounded, FIFO).
_CACHE: dict[str, SeriesFit] = {}
_CACHE_MAX = 8192
_STATS = {"hits": 0, "misses": 0, "disk": 0}


#: Libraries whose versions can change a fit: the fitting libraries and what they compute with.
FIT_LIBRARIES = ("numpy", "scipy", "pandas", "statsmodels", "prophet", "cmdstanpy")


@functools.lru_cache(maxsize=1)
def fit_provenance() -> str:
    """What produced a fit, for the cache key: peakdata's version, a digest of the fit code in
    ``forecast/fit/`` (so an edited adapter never serves a fit cached before the edit, released or
    not) and the installed version of each of :data:`FIT_LIBRARIES`.

    >>> fit_provenance().startswith("peakdata ")
    True
    """
    from importlib.metadata import PackageNotFoundError, version

    from forecast._version import __version__

    code = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        code.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    out = [f"peakdata {__version__}", f"fit-code {code.hexdigest()[:16]}"]
    for name in FIT_LIBRARIES:
        try:
            out.append(f"{name} {version(name)}")
        except PackageNotFoundError:  # pragma: no cover - prophet is optional for some methods
            out.append(f"{name} -")
    return "; ".join(out)


def _key(method: str, data: FitInput, steps: int, coverage: float, seed: int) -> str:
    h = hashlib.sha256(data.key())
    h.update(f"|{method}|{steps}|{coverage!r}|{seed}|{PROPHET_SAMPLES}|{ENVELOPE_TAU}|{fit_provenance()}".encode())
    return h.hexdigest()


def fit_method(method: str, data: FitInput, steps: int, coverage: float = 0.8, seed: int = 0,
               store=None) -> SeriesFit:
    """Fit ``method`` to ``data`` and forecast ``steps`` quarters, from the cache when the data and
    settings were fitted before in this process (or are in ``store``, an object with
    ``get(key)``/``put(key, fit)`` such as :class:`forecast.io.fit_cache.DiskCache`).

    Raises
    ------
    FitError
        Unknown method, too few points, or the library could not fit.
    """
    if method not in METHODS:
        raise FitError(f"unknown trend method '{method}' (one of {', '.join(METHODS)})")
    if not 0.0 < coverage < 1.0:
        raise FitError(f"interval coverage must be between 0 and 1, got {coverage}")
    key = _key(method, data, steps, coverage, seed)
    hit = _CACHE.get(key)
    if hit is not None:
        _STATS["hits"] += 1
        return hit
    fit = store.get(key) if store is not None else None
    if isinstance(fit, SeriesFit):
        _STATS["disk"] += 1
    else:
        _STATS["misses"] += 1
        fit = METHODS[method](data, steps, coverage, seed)
        if store is not None:
            store.put(key, fit)
    if len(_CACHE) >= _CACHE_MAX:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[key] = fit
    return fit


def clear_cache() -> None:
    """Forget every cached fit."""
    _CACHE.clear()
    _STATS.update(hits=0, misses=0, disk=0)


def cache_info() -> dict[str, int]:
    """In-process hits, fits made (misses), fits read from a ``store`` (disk), and cache size."""
    return {**_STATS, "size": len(_CACHE)}
