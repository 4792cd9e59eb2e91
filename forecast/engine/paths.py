"""Path coefficients: the drawn inputs reduced to ln-linear paths per sample (Villalobos et al. 2024).

Every sample's demand and each stock source are exponentials in time, so the drawn inputs reduce
to two log-linear coefficients per sample and path, ln X(τ) = a + b·τ (:class:`LogPaths`), with τ
the years since the first quarter's end. What is not log-linear travels beside them in
:class:`Extra`: the inputs of stock dynamics (human share, consent erosion, licensed text), the
price of the gap and a compute ceiling; a scenario with any of those is scanned quarter by quarter
(:mod:`forecast.engine.scan`), the others are solved in closed form
(:mod:`forecast.engine.supply_demand`).

The coefficient functions take an input getter ``get(name) -> array`` so that the Monte Carlo run
(drawn inputs, shape ``(n,)``) and the point estimate (medians, shape ``(1,)``) share them.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from forecast.engine.demand_trend import LEVEL, draw_level_growth, historical_trend
from forecast.models import compute_cost as CC
from forecast.models import data_cost as DC
from forecast.models import demand as D
from forecast.models import dynamics as Y
from forecast.models import sampling, scaling, stock
from forecast.units import Quarter

__all__ = ["LogPaths", "Extra", "log_paths", "extra_inputs", "dynamics_inputs", "is_scanned", "repetition",
           "reference_years", "source_coefficients", "historical_coefficients", "compute_coefficients",
           "ceiling_coefficients", "human_share_series", "quarter_ends", "licensable_stock",
           "exhaustion_is_log_linear", "closed_form_obstacles"]

Getter = Callable[[str], np.ndarray]


@dataclass
class Extra:
    """Per-sample inputs of the dynamics and the gap price (arrays of shape ``(n,)``, or None)."""

    dynamic: list[bool]                       # per stock source: do inflow and erosion act on it
    share_by_quarter: np.ndarray | None       # human share h_k per quarter (from data) [fraction]
    share_per_sample: np.ndarray | None       # constant human share per sample [fraction]
    erosion: np.ndarray | None                # [fraction/yr]
    licensed_rate: np.ndarray | None          # effective licensed tokens per year (× repetition) [tokens/yr]
    licensed_raw_rate: np.ndarray | None      # licensed tokens bought per year [tokens/yr]
    licensed_price: np.ndarray | None         # [USD/token]
    gap_price_at: Any = None                  # years since price reference -> USD per useful token, (n,)
    license_base: np.ndarray | None = None    # per licensable component, first-token price (K, n) [USD/token]
    license_rise: np.ndarray | None = None    # supply-curve factor, last over first token (n,) [ratio]
    license_stock: np.ndarray | None = None   # licensable tokens per component, net of the stock (K, 1) [tokens]
    gap_years: np.ndarray | None = None       # per quarter, years since the price reference [yr]
    quarter_years: np.ndarray | None = None   # per quarter, its end [yr]
    has_dynamics: bool = False
    demand_log_cap: np.ndarray | None = None  # ln of the dataset at the compute ceiling (inf: none) [ln tokens]
    demand_b_after: np.ndarray | None = None  # ln-growth of the dataset after the ceiling [1/yr]
    chosen_share: np.ndarray | None = None    # synthetic share labs choose at its reference (n,) [fraction]
    chosen_trend: np.ndarray | None = None    # its yearly rise (n,) [fraction/yr]
    chosen_ceiling: np.ndarray | None = None  # its ceiling (n,) [fraction]
    chosen_years: np.ndarray | None = None    # per quarter end, years since the choice's reference [yr]

    def chosen_at(self, k: int) -> np.ndarray | None:
        """The chosen synthetic share at quarter ``k`` (None without ``demand.synthetic_choice``) [fraction]."""
        if self.chosen_share is None:
            return None
        return D.chosen_synthetic_share(self.chosen_share, self.chosen_trend, float(self.chosen_years[k]),
                                        self.chosen_ceiling)


@dataclass
class LogPaths:
    """Per-sample log-linear coefficients: ln D(τ) = need_a + need_b·τ, ln S_k(τ) = stock_a[k] + stock_b[k]·τ.

    ``taus`` are the quarter ends in years since the first one [yr].
    """

    taus: np.ndarray
    need_a: np.ndarray
    need_b: np.ndarray
    stock_a: list[np.ndarray]
    stock_b: list[np.ndarray]
    #: stock dynamics, gap prices, a compute ceiling (:class:`Extra`); None: log-linear, solved in closed form
    extra: Extra | None = None


def _vector(x, n: int) -> np.ndarray:
    return np.ascontiguousarray(np.broadcast_to(x, (n,)), dtype=float)


def _start_year(quarter: Quarter) -> float:
    return quarter.ordinal / 4.0


def quarter_ends(scenario: Any) -> np.ndarray:
    """End of every quarter of the horizon as a decimal year [yr] (a quarter is evaluated at its end)."""
    return np.array([q.end_year for q in scenario.horizon.quarters])


def is_scanned(scenario: Any) -> bool:
    """Whether the scenario's stock or demand is not log-linear, or it prices the gap: a scan, not a solve."""
    dem = scenario.demand
    limited = dem.method in ("compute", "mixture") and dem.compute.limit is not None
    return (scenario.supply.dynamics is not None or scenario.gap is not None or limited
            or dem.synthetic_choice is not None)


def closed_form_obstacles(scenario: Any) -> tuple[str, ...]:
    """What keeps a scenario's exhaustion quarter from being the closed form's
    (:mod:`forecast.models.crossing`), in words; empty when every sample's quarter is: no stock
    dynamics, no compute ceiling, and no chosen synthetic share other than a fixed 0. A ``gap`` section
    is scanned for its prices but never moves the exhaustion quarter."""
    from forecast.models.sampling import Fixed

    dem = scenario.demand
    why = []
    if scenario.supply.dynamics is not None:
        why.append("stock dynamics (human share of new text, consent erosion or licensed additions) make the "
                   "stock not log-linear")
    if dem.method in ("compute", "mixture") and dem.compute.limit is not None:
        why.append("a compute ceiling bends the demand path")
    choice = dem.synthetic_choice
    if choice is not None and not all(
            isinstance(dist, Fixed) and float(dist.ppf(np.array([0.5]))[0]) == 0.0
            for dist in (choice.share.to_distribution(), choice.trend.to_distribution())):
        why.append("a chosen synthetic share takes part of the demand off the human stock")
    return tuple(why)


def exhaustion_is_log_linear(scenario: Any) -> bool:
    """Whether every sample's exhaustion quarter is the closed form's, scanned or not
    (:func:`closed_form_obstacles` is empty)."""
    return not closed_form_obstacles(scenario)


# --- coefficients of one path -----------------------------------------------------------------

def repetition(supply: Any, col: Getter) -> np.ndarray:
    """The repetition multiplier: given directly, or from epochs (Muennighoff et al. 2023) [x]."""
    if supply.repetition.multiplier is not None:
        return col("supply.repetition.multiplier")
    return scaling.repetition_multiplier(col("supply.repetition.epochs"),
                                         col("supply.repetition.decay_constant"))


def reference_years(supply: Any, data_dir: Path | None) -> dict[str, float]:
    """Reference year of each included stock source, from ``data/text_stock.csv`` [yr]."""
    from forecast.io.references import read_reference

    rows = read_reference("text_stock.csv", data_dir).set_index("component")
    return {c: float(rows.loc[c, "reference_year"]) for c in supply.include}


def source_coefficients(supply: Any, get: Getter, component: str, multiplier: Any, ref_year: float,
                        origin: float) -> tuple[np.ndarray, np.ndarray]:
    """(a, b) of one stock source's effective tokens, stock × quality (or filter yield) × ``multiplier``."""
    base = f"supply.sources.{component}"
    quality = get("supply.filter_yield") if supply.filter_yield is not None else get(f"{base}.quality")
    return stock.log_stock_coefficients(get(f"{base}.stock"), get(f"{base}.growth"), quality, multiplier,
                                        ref_year, origin)


def historical_coefficients(demand: Any, get: Getter, growth: np.ndarray, origin: float,
                            level: np.ndarray | None = None,
                            reference_year: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(a, b) of the historical trend's dataset (√overtraining × the trend) at yearly ``growth``.

    ``level`` [tokens] at the start of ``reference_year`` [yr]; defaults: the input
    ``demand.historical.current_largest`` at the scenario's ``reference`` (a level from the fit
    comes with its own year, :class:`forecast.engine.demand_trend.HistoricalTrend`).
    """
    h = demand.historical
    factor = np.sqrt(get("demand.historical.overtraining")) if h.overtraining is not None else 1.0
    level = get(LEVEL) if level is None else level
    reference_year = _start_year(h.reference) if reference_year is None else reference_year
    return D.log_exponential_coefficients(level, growth, reference_year, origin, factor)


def compute_coefficients(demand: Any, get: Getter, origin: float) -> tuple[np.ndarray, np.ndarray]:
    """(a, b) of the compute path's dataset (compute-optimal, Hoffmann et al. 2022)."""
    return D.log_compute_coefficients(get("demand.compute.current_largest"), get("demand.compute.growth"),
                                      _start_year(demand.compute.reference), origin,
                                      get("demand.compute.tokens_per_param"), get("demand.compute.overtraining"))


def ceiling_coefficients(demand: Any, get: Getter) -> tuple[np.ndarray, np.ndarray]:
    """ln of the dataset at the compute ceiling and its ln-growth after it (Sevilla et al. 2024).

    The dataset the ceiling's compute can use, by the compute path's own relation (compute-optimal
    tokens × overtraining, Hoffmann et al. 2022): ln D_cap = ½ ln(k·r·C_cap/6), and ½ ln g_after
    per year after it. It caps every demand path of the scenario, the historical trend's included.
    """
    return D.log_compute_coefficients(get("demand.compute.limit.ceiling"), get("demand.compute.limit.growth_after"),
                                      0.0, 0.0, get("demand.compute.tokens_per_param"),
                                      get("demand.compute.overtraining"))


# --- what is not log-linear ---------------------------------------------------------------------

def human_share_series(name: str, data_dir: Path | None, t_end: np.ndarray) -> np.ndarray:
    """h per quarter from ``data/<name>``: the series at each quarter's middle (quarter ends ``t_end``)."""
    from forecast.errors import DataError
    from forecast.io.references import DATA_FILE_COLUMNS, read_reference

    frame = read_reference(name, data_dir)
    for column in DATA_FILE_COLUMNS["human_share"]["numbers"]:
        if column not in frame.columns:
            raise DataError(f"data/{name} has no column '{column}' (expected year, human_share, source)")
    frame = frame.sort_values("year")
    t_mid = np.asarray(t_end, dtype=float) - 0.125
    return Y.human_share_at(t_mid, frame["year"].to_numpy(float), frame["human_share"].to_numpy(float))


def dynamics_inputs(scenario: Any, values: dict[str, np.ndarray], multiplier: np.ndarray, t_end: np.ndarray,
                    data_dir: Path | None) -> Extra:
    """The drawn inputs of ``supply.dynamics`` (all None without it) and of ``demand.synthetic_choice``, for the scan."""
    supply = scenario.supply
    dyn = supply.dynamics
    dynamic = [c in supply.dynamic_sources for c in supply.include]
    share_q = share_s = erosion = lic = lic_raw = lic_price = None
    if dyn is not None:
        if dyn.human_share == "data":
            # the share of the text written during quarter k: the series at the quarter's middle
            share_q = human_share_series(dyn.human_share_data, data_dir, t_end)
        elif dyn.human_share is not None:
            share_s = values["supply.dynamics.human_share"]
        if dyn.consent_erosion is not None:
            erosion = values["supply.dynamics.consent_erosion"]
        if dyn.licensed_additions is not None:
            lic_raw = values["supply.dynamics.licensed_additions"]
            lic = lic_raw * multiplier
            if dyn.licensed_price_per_mtok is not None:
                lic_price = values["supply.dynamics.licensed_price_per_mtok"] / CC.TOKENS_PER_MILLION
    extra = Extra(dynamic, share_q, share_s, erosion, lic, lic_raw, lic_price, quarter_years=t_end,
                  has_dynamics=dyn is not None)
    choice = scenario.demand.synthetic_choice if scenario.demand is not None else None
    if choice is not None:  # chosen share at each quarter's end (docs/derivations.md §17)
        n = np.size(multiplier)
        extra.chosen_share = _vector(values["demand.synthetic_choice.share"], n)
        extra.chosen_trend = _vector(values["demand.synthetic_choice.trend"], n)
        extra.chosen_ceiling = (_vector(values["demand.synthetic_choice.ceiling"], n)
                                if choice.ceiling is not None else np.ones(n))
        extra.chosen_years = np.asarray(t_end, dtype=float) - _start_year(choice.reference)
    return extra


def licensable_stock(scenario: Any, data_dir: Path | None) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """Licensable components not already in the stock: names, tokens [tokens], price low and high [USD/Mtok].

    Tokens = ``licensable_share`` (data/licensable_stock.csv) × ``tokens_central`` (data/text_stock.csv);
    a component the scenario includes, or one overlapping an included one, is counted already and
    left out (docs/derivations.md §13).
    """
    from forecast.errors import DataError
    from forecast.io.references import read_reference

    stock = read_reference("text_stock.csv", data_dir).set_index("component")
    table = read_reference("licensable_stock.csv", data_dir)
    included = set(scenario.supply.include) if scenario.supply is not None else set()
    names, tokens, low, high = [], [], [], []
    for row in table.itertuples(index=False):
        share = float(row.licensable_share)
        if not share > 0:
            continue
        if row.component not in stock.index or not 0 < share <= 1:
            raise DataError(f"data/licensable_stock.csv: component '{row.component}' needs a row in "
                            "text_stock.csv and a licensable_share in (0, 1]")
        overlaps = str(stock.loc[row.component, "overlaps"]).split() if isinstance(
            stock.loc[row.component, "overlaps"], str) else []
        if included & {row.component, *overlaps}:
            continue
        names.append(row.component)
        tokens.append(share * float(stock.loc[row.component, "tokens_central"]))
        low.append(float(row.price_low_per_mtok))
        high.append(float(row.price_high_per_mtok))
    return names, np.array(tokens), np.array(low), np.array(high)


def _add_gap_prices(extra: Extra, scenario: Any, values: dict[str, np.ndarray], t_end: np.ndarray, n: int,
                    data_dir: Path | None) -> None:
    """The price of a useful synthetic token by quarter, and the licensable routes (``gap`` section)."""
    gap = scenario.gap
    g = {k: values[f"gap.{k}"] for k in ("generation_per_mtok", "acceptance_rate", "synthetic_value",
                                          "price_trend", "license_price_position", "license_price_rise")}
    # a paid judge only where the scenario says one reads the output (judge_share)
    g["verification_per_mtok"] = (values["gap.verification_per_mtok"] * values["gap.judge_share"]
                                  if gap.judge_share is not None else 0.0)
    # prices refer to the start of price_reference; quarter k is priced at its end
    extra.gap_years = t_end - gap.price_reference.ordinal / 4.0
    extra.gap_price_at = lambda years: DC.useful_synthetic_price(
        g["generation_per_mtok"], g["acceptance_rate"], g["verification_per_mtok"], g["synthetic_value"],
        g["price_trend"], years)
    _, tokens, low, high = licensable_stock(scenario, data_dir)
    position = np.broadcast_to(g["license_price_position"], (n,))
    # first-token price: log-interpolated in each component's range of deals, one position per sample
    base = low[:, None] * np.power((high / low)[:, None], position[None, :]) / CC.TOKENS_PER_MILLION
    extra.license_base = np.ascontiguousarray(base.reshape(tokens.size, n))
    extra.license_rise = np.maximum(_vector(g["license_price_rise"], n), 1.0 + 1e-9)  # a draw at or below 1 would make the curve fall
    extra.license_stock = tokens[:, None]


def extra_inputs(scenario: Any, values: dict[str, np.ndarray], multiplier: np.ndarray, t_end: np.ndarray,
                 data_dir: Path | None) -> Extra:
    """Collect the drawn inputs of ``supply.dynamics`` and ``gap`` for the scan."""
    extra = dynamics_inputs(scenario, values, multiplier, t_end, data_dir)
    if scenario.gap is not None:
        _add_gap_prices(extra, scenario, values, t_end, multiplier.size, data_dir)
    return extra


# --- every path of a run ------------------------------------------------------------------------

def _coefficients(scenario: Any, values: dict[str, np.ndarray], seed: int, n: int, data_dir: Path | None,
                  notes: dict[str, Any], threads: int, derived: dict[str, np.ndarray], multiplier: np.ndarray,
                  origin: float) -> list[tuple[np.ndarray, np.ndarray]]:
    """(a, b) of every stock source, then of the historical and the compute demand paths the method uses."""
    supply, dem = scenario.supply, scenario.demand
    get = values.__getitem__
    ref_years = reference_years(supply, data_dir)

    def source(component: str):
        a, b = source_coefficients(supply, get, component, multiplier, ref_years[component], origin)
        return _vector(a, n), _vector(b, n)

    def historical():
        found = historical_trend(scenario, seed, data_dir)
        for key, note in (("demand_trend", found.trend), ("demand_trend_fit", found.about),
                          ("demand_level", found.level)):
            if note is not None:
                notes[key] = note
        level, growth = draw_level_growth(found, values, seed, n)
        derived["demand.historical.growth"] = growth
        if found.level_ppf is not None:
            derived[LEVEL] = level
        return historical_coefficients(dem, get, growth, origin, level, found.reference_year)

    tasks = [lambda c=c: source(c) for c in supply.include]
    if dem.method in ("historical", "mixture"):
        tasks.append(historical)
    if dem.method in ("compute", "mixture"):
        tasks.append(lambda: compute_coefficients(dem, get, origin))
    if threads > 1:  # the paths are independent
        with ThreadPoolExecutor(max_workers=threads) as pool:
            return list(pool.map(lambda task: task(), tasks))
    return [task() for task in tasks]


def _demand_path(demand: Any, values: dict[str, np.ndarray], seed: int, n: int,
                 coefficients: list[tuple[np.ndarray, np.ndarray]],
                 derived: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(a, b) of each sample's demand; in a ``mixture``, ``derived`` records which path each follows."""
    if demand.method != "mixture":
        need_a, need_b = coefficients[0]
        return _vector(need_a, n), _vector(need_b, n)
    choice = values.get("demand.method_choice")  # given by forecast.engine.evaluate, else drawn
    if choice is None:
        choice = sampling.uniforms(seed, "demand.method_choice", n)
    take_hist = choice < values["demand.historical_weight"]
    derived["demand.method_choice"] = take_hist.astype(float)
    need_a, need_b = (np.where(take_hist, h_, c_) for h_, c_ in zip(*coefficients))
    return _vector(need_a, n), _vector(need_b, n)


def log_paths(scenario: Any, values: dict[str, np.ndarray], seed: int, n: int,
              data_dir: Path | None, notes: dict[str, Any], threads: int = 1,
              derived: dict[str, np.ndarray] | None = None) -> LogPaths:
    """Reduce the drawn inputs (``values``, shape ``(n,)`` each) to log-linear coefficients.

    The stock sources and the demand paths are independent: ``threads > 1`` computes them at once.
    ``derived``, when given, receives per-sample draws made here rather than from an input: the
    dataset growth drawn from the fitted trend [factor/yr], the level drawn from it
    (``demand.historical.current_largest`` with ``current_largest: fit``) [tokens] and the demand path of the mixture
    (``demand.method_choice``: 1 = historical trend, 0 = compute path). A scenario that
    :func:`is_scanned` also gets ``extra`` (:class:`Extra`).
    """
    derived = {} if derived is None else derived
    t_end = quarter_ends(scenario)
    origin = float(t_end[0])
    multiplier = repetition(scenario.supply, values.__getitem__)
    done = _coefficients(scenario, values, seed, n, data_dir, notes, threads, derived, multiplier, origin)
    k = len(scenario.supply.include)
    need_a, need_b = _demand_path(scenario.demand, values, seed, n, done[k:], derived)
    paths = LogPaths(t_end - origin, need_a, need_b, [a for a, _ in done[:k]], [b for _, b in done[:k]])
    if is_scanned(scenario):
        paths.extra = extra_inputs(scenario, values, _vector(multiplier, n), t_end, data_dir)
        dem = scenario.demand
        if dem.method in ("compute", "mixture") and dem.compute.limit is not None:
            # every sample is capped, on either path of a mixture: the historical trend too
            # reaches the dataset the ceiling's compute can use and then grows as compute does
            cap, after = (_vector(x, n) for x in ceiling_coefficients(dem, values.__getitem__))
            paths.extra.demand_log_cap, paths.extra.demand_b_after = cap, after
    return paths
