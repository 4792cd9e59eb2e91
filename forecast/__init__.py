"""peakdata: when human-written text runs out, and what the way out costs.

The curated public API, for scripts and notebooks::

    import forecast
    result = forecast.run("scenarios/baseline.yaml", samples=2000)
    result                                  # the headline: median exhaustion quarter, 80% interval
    result.event_summary()                  # one row per event (quarters as labels, 2029Q1)
    result.summary()                        # quantiles per quarter (pandas Period) and metric
    forecast.headline(result)               # {"exhaustion.p50": 2029.25, ...}
    forecast.solve("scenarios/baseline.yaml", "median(exhaustion) >= 2032Q1",
                   "supply.repetition.multiplier", samples=2000)

``run``, ``sensitivity`` and ``solve`` take a scenario as a path, a loaded
:class:`~forecast.io.scenario.ScenarioFile` or a validated :class:`~forecast.schema.Scenario`;
``report(...)`` builds the quarterly report into a folder. Every mistake a caller can make raises a
:class:`ForecastError` (a :class:`ScenarioError` for a scenario, a sample count or an override).

Names are imported on first use, so ``import forecast`` and ``peakdata --help`` stay fast. The
functions here are the stable names: they call into ``forecast.engine``, ``forecast.analysis``,
``forecast.export`` and ``forecast.report``, whose layout may change.
"""
from __future__ import annotations

import numbers
import os
from importlib import import_module
from typing import TYPE_CHECKING, Any, Callable, Mapping

from forecast._version import __version__

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from forecast.io.scenario import ScenarioFile
    from forecast.analysis.solve import Solution, Target
    from forecast.analysis.sweep import Grid
    from forecast.result import ForecastResult
    from forecast.schema import Scenario

__all__ = [
    "__version__",
    "load_scenario",
    "run",
    "point",
    "headline",
    "sensitivity",
    "solve",
    "run_sweep",
    "report",
    "Scenario",
    "ScenarioFile",
    "ForecastResult",
    "PointEstimate",
    "ForecastError",
    "ScenarioError",
    "DataError",
    "FitError",
    "ExportError",
    "write_outputs",
    "trend_report",
    "write_exports",
]

_LAZY = {
    "load_scenario": "forecast.io.scenario",
    "ScenarioFile": "forecast.io.scenario",
    "point": "forecast.engine",
    "Scenario": "forecast.schema",
    "ForecastResult": "forecast.result",
    "PointEstimate": "forecast.result",
    "ForecastError": "forecast.errors",
    "ScenarioError": "forecast.errors",
    "DataError": "forecast.errors",
    "FitError": "forecast.errors",
    "ExportError": "forecast.errors",
    "write_outputs": "forecast.report.scenario_folder",
    "trend_report": "forecast.engine.trends",
    "write_exports": "forecast.export.writers",
}
#: The ``file`` of a problem with an argument of :func:`run`.
_WHERE = "forecast.run"


def __getattr__(name: str) -> Any:
    if name == "report":
        # the subpackage itself: calling it builds the quarterly report (forecast/report/__init__.py),
        # so ``forecast.report(...)`` and ``import forecast.report.quarterly`` name the same object
        value = import_module("forecast.report")
    elif name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
    else:
        raise AttributeError(f"module 'forecast' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


def _scenario_of(scenario: Any, data_dir: Any = None) -> tuple[Scenario, dict[str, str] | None]:
    """(validated scenario, provenance or None) of a path, a ``ScenarioFile`` or a ``Scenario``."""
    from forecast.io.scenario import ScenarioFile, load_scenario
    from forecast.schema import Scenario

    if isinstance(scenario, (str, os.PathLike)):
        scenario = load_scenario(scenario, data_dir=_path(data_dir))
    if isinstance(scenario, ScenarioFile):
        return scenario.scenario, scenario.provenance
    if isinstance(scenario, Scenario):
        return scenario, None
    raise TypeError(f"scenario must be a path, a ScenarioFile or a Scenario, not {type(scenario).__name__}")


def _whole(value: Any, name: str, low: int, high: int, hint: str, where: str) -> int:
    """``value`` as an int in [low, high], or a ScenarioError naming the argument."""
    from forecast.errors import Problem, ScenarioError

    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not low <= value <= high:
        raise ScenarioError([Problem(where, 0, 0, name, f"must be a whole number from {low:,} to {high:,}, "
                                     f"got {value!r}", hint)])
    return int(value)


def _overridden(scenario: Scenario, provenance: dict[str, str] | None, overrides: Mapping[str, Any] | None,
                where: str) -> tuple[Scenario, dict[str, str] | None]:
    """The scenario with ``overrides`` set (validated), and a provenance that no longer places them."""
    if not overrides:
        return scenario, provenance
    from forecast.errors import Problem, ScenarioError
    from forecast.io.overrides import with_values

    if not isinstance(overrides, Mapping) or not all(isinstance(k, str) and k for k in overrides):
        raise ScenarioError([Problem(where, 0, 0, "overrides", "expected a mapping of dotted keys to values",
                                     "e.g. overrides={'supply.repetition.epochs': 4}")])
    changed = with_values(scenario, dict(overrides), label=f"{where} overrides")
    if provenance is not None:  # an overridden value was not written at its file:line
        provenance = {key: place for key, place in provenance.items()
                      if not any(key == k or key.startswith(k + ".") for k in overrides)}
    return changed, provenance


def run(scenario: str | os.PathLike[str] | ScenarioFile | Scenario, seed: int | None = None, samples: int | None = None,
        provenance: dict[str, str] | None = None, data_dir: str | os.PathLike[str] | None = None,
        progress: Callable[[int, int], None] | None = None, keep_samples: bool = False,
        outputs: str = "full", threads: int | None = None, *,
        overrides: Mapping[str, Any] | None = None) -> ForecastResult:
    """Run every model a scenario has inputs for: the Monte Carlo forecast.

    Parameters
    ----------
    scenario : str, path-like, ScenarioFile or Scenario
        A scenario YAML file (loaded and checked with :func:`load_scenario`), a loaded file, or a
        validated :class:`Scenario`.
    seed : int, optional
        Seed of every random stream, 0 to 2**63 − 1 (default: the scenario's ``seed``) [count].
    samples : int, optional
        Monte Carlo samples, 1 to 10,000,000 (default: the scenario's ``samples``) [count].
    provenance : dict, optional
        Dotted input name → ``file:line`` for the inputs table (default: the file's, when
        ``scenario`` is a path or a ``ScenarioFile``).
    data_dir : path-like, optional
        Folder of reference CSVs (default: the project's ``data/``).
    progress : callable, optional
        Called as ``progress(done, total)`` [quarters] while quarters are summarised.
    keep_samples : bool, default False
        Also keep every input's drawn values and per-sample outcomes (``result.draws``,
        ``result.outcomes``).
    outputs : {"full", "headline"}, default "full"
        ``"headline"``: exhaustion quarters, cost tables and notes only (no per-quarter statistics,
        no inputs table, no point estimate); the same numbers for those as the full run.
    threads : int, optional
        Threads for drawing and summarising (default: the cores this process may use); results do
        not depend on it [count].
    overrides : mapping, optional
        Values to change first, by dotted key, as ``peakdata solve --set`` does:
        ``{"supply.repetition.epochs": 4, "demand.historical.growth": "3x/yr"}``; a value is read
        as YAML would give it (a quantity string, a number, ``None`` to remove a key, a mapping with
        ``dist:``). The changed scenario is validated again.

    Returns
    -------
    ForecastResult
        Per-quarter statistics (tokens, USD, fractions), exhaustion quarters per sample and cost
        tables [USD]; its ``repr`` is the headline, ``summary()`` and ``event_summary()`` are tidy
        frames.

    Raises
    ------
    ScenarioError
        The file is not a valid scenario; ``seed`` or ``samples`` is out of range (``samples=0``);
        an override names an unknown key or gives a value the scenario cannot take.
    DataError, FitError
        A reference CSV is missing or malformed; a trend cannot be fitted.

    Examples
    --------
    >>> import forecast
    >>> r = forecast.run("scenarios/baseline.yaml", samples=2000)      # doctest: +SKIP
    >>> r.event_quantile("exhaustion", 0.5)                            # doctest: +SKIP
    '2029Q1'
    """
    from forecast.engine import run as engine_run
    from forecast.schema import MAX_SAMPLES

    found, own = _scenario_of(scenario, data_dir)
    found, own = _overridden(found, own, overrides, _WHERE)
    if seed is not None:
        seed = _whole(seed, "seed", 0, 2**63 - 1, "any whole number ≥ 0, or None for the scenario's seed", _WHERE)
    if samples is not None:
        samples = _whole(samples, "samples", 1, MAX_SAMPLES, "e.g. samples=2000, or None for the scenario's",
                         _WHERE)
    return engine_run(found, seed, samples, provenance if provenance is not None else own, _path(data_dir),
                      progress, keep_samples, outputs, threads)


def _path(value: str | os.PathLike[str] | None) -> Any:
    from pathlib import Path

    return None if value is None else Path(value)


def headline(result: ForecastResult) -> dict[str, float]:
    """The headline figures of a run, as the report, the archive and sweeps quote them.

    Parameters
    ----------
    result : ForecastResult
        What :func:`run` returned (a full or a ``outputs="headline"`` run).

    Returns
    -------
    dict of str to float
        Supply/demand runs: ``exhaustion.p10``, ``exhaustion.p50``, ``exhaustion.p90`` — the
        exhaustion quarter's **end** as a decimal year (``2029Q1`` → 2029.25) [yr], ``inf`` when
        after the horizon — and ``exhaustion.by_2026`` … ``exhaustion.by_2032``, P(exhausted by the
        end of that calendar year) [probability], ``nan`` outside the horizon. Cost runs:
        ``cost.total.p10``, ``cost.total.p50``, ``cost.total.p90`` [USD]; with a ``mixes`` section
        also ``cost.cheapest_share`` [fraction] and ``cost.p_cheapest`` [probability]. Keys are
        documented in docs/nomenclature.md.
    """
    from forecast.outputs import headline as implementation

    return implementation(result)


def sensitivity(scenario: str | os.PathLike[str] | ScenarioFile | Scenario, budget: int = 100_000, *,
                swing_samples: int | None = None,
                data_dir: str | os.PathLike[str] | None = None, threads: int = 1) -> pd.DataFrame:
    """What moves the answer: one-at-a-time swings and Sobol indices of every headline output.

    Parameters
    ----------
    scenario : str, path-like, ScenarioFile or Scenario
        As for :func:`run`.
    budget : int, default 100000
        Model evaluations allowed for the Sobol design, at least 16; it uses ``N·(k + 2)`` of them
        for ``k`` inputs, ``N`` the largest power of two that fits [count].
    swing_samples : int, optional
        Samples per evaluation of P(exhausted by 2030) with one input held (default: the
        scenario's, at most 20,000) [count].
    data_dir : path-like, optional
        Folder of reference CSVs (default: the project's ``data/``).
    threads : int, default 1
        Threads per evaluation; results do not depend on it [count].

    Returns
    -------
    DataFrame
        One row per output and input: ``output`` (``exhaustion`` [yr, quarter end],
        ``exhaustion.by_2030`` [probability], ``cost.total`` [USD], ...), ``input``,
        ``distribution``, ``input_p10``/``input_p50``/``input_p90`` [the input's base unit],
        ``base``, ``at_p10``, ``at_p90``, ``swing`` [the output's unit], ``S1``, ``S1_conf``,
        ``ST``, ``ST_conf`` [share of variance] and ``rank`` (1 = largest total index).

    Raises
    ------
    ScenarioError
        An invalid scenario, or ``budget`` below 16.
    """
    from forecast.analysis.sensitivity import sensitivity as implementation

    found, _ = _scenario_of(scenario, data_dir)
    budget = _whole(budget, "budget", 16, 10_000_000, "e.g. budget=4096", "forecast.sensitivity")
    return implementation(found, budget, data_dir=_path(data_dir),
                          swing_samples=swing_samples, threads=threads)


def solve(scenario: str | os.PathLike[str] | ScenarioFile | Scenario, target: str | Target, vary: str,
          low: float | None = None, high: float | None = None, *, samples: int | None = None,
          overrides: Mapping[str, Any] | None = None, data_dir: str | os.PathLike[str] | None = None,
          points: int = 9, tolerance: float = 1e-3, threads: int | None = None) -> Solution:
    """Goal-seek: the median of one input that meets a target on a headline output.

    The input keeps its spread and its median moves (a lognormal is scaled, a normal, uniform,
    triangular, PERT or choice shifted); a fixed input takes the value. The range is scanned at
    ``points`` values and the first change from missed to met is bisected, on the headline path
    with the scenario's seed at every step.

    Parameters
    ----------
    scenario : str, path-like, ScenarioFile or Scenario
        As for :func:`run`.
    target : str or Target
        ``"median(exhaustion) >= 2032Q1"``, ``"P(exhaustion by 2030) <= 50%"``,
        ``"median(cost) <= $500K"``, ``"cheapest_share >= 50%"`` or a headline key
        (``"exhaustion.p90 >= 2035Q1"``).
    vary : str
        Dotted name of an uncertain input the scenario sets, e.g. ``"supply.repetition.epochs"``.
    low, high : float, optional
        Search range [the input's base unit: tokens, USD, fraction, factor/yr] (default: 0–1 for
        a fraction, the current median ÷100 to ×100 otherwise).
    samples : int, optional
        Monte Carlo samples per evaluation (default: the scenario's) [count].
    overrides : mapping, optional
        Values to change first, by dotted key, as for :func:`run`.
    data_dir : path-like, optional
        Folder of reference CSVs (default: the project's ``data/``).
    points : int, default 9
        Evaluations of the first scan [count].
    tolerance : float, default 0.001
        Bisection stops when the bracket is narrower than this share of the value (log scale) or
        of the range (linear scale) [fraction].
    threads : int, optional
        Threads per evaluation [count].

    Returns
    -------
    Solution
        ``value`` (the median that meets the target, None when no value in the range does),
        ``metric`` (the headline output there, in the units of :func:`headline`), ``best_value``
        and ``best_metric`` when none does, and ``steps`` (every input, output pair evaluated).

    Raises
    ------
    ScenarioError
        An invalid scenario, target, override or range; ``vary`` not an input of the scenario;
        ``samples`` out of range.
    """
    from forecast.analysis.solve import solve as implementation
    from forecast.schema import MAX_SAMPLES

    found, own = _scenario_of(scenario, data_dir)
    found, _ = _overridden(found, own, overrides, "forecast.solve")
    if samples is not None:
        samples = _whole(samples, "samples", 1, MAX_SAMPLES, "e.g. samples=2000", "forecast.solve")
    return implementation(found, target, vary, low, high, samples=samples,
                          data_dir=_path(data_dir), points=points,
                          tolerance=tolerance, threads=threads)


def run_sweep(grid: str | os.PathLike[str] | Grid, out: str | os.PathLike[str] | None = None, *,
              workers: int = 1, dask: str | None = None,
              progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """Run every point of a grid of scenarios and return one row per point with its headline.

    Each point's seed comes from its content, so the table is the same in-process, on local
    processes and on Dask. Every finished point is kept in ``out/points/`` at once; a later call
    with the same folder computes only the points still missing. Nothing else is written:
    ``peakdata sweep`` also writes ``sweep.csv``, ``sweep.xlsx`` and the heatmap.

    Parameters
    ----------
    grid : str, path-like or Grid
        A grid file (``scenarios/sweeps/*.yaml``, docs/cli.md), or one loaded with
        ``forecast.analysis.sweep.load_grid``.
    out : path-like, optional
        Folder for the point files (default: ``reports/sweeps/<grid name>/``).
    workers : int, default 1
        Local processes (1: in this process) [count].
    dask : str, optional
        A Dask scheduler address (``tcp://host:8786``), or ``"local"`` for a LocalCluster.
    progress : callable, optional
        Called as ``progress(done, total)`` [points] as points finish.

    Returns
    -------
    DataFrame
        ``point``, one column per axis (the values set), ``seed``, then the :func:`headline` keys
        of each point in their units ([yr] for exhaustion quarters, [probability], [USD]).

    Raises
    ------
    ScenarioError
        An invalid grid file or point scenario.
    ExportError
        ``out`` cannot be written.
    """
    from pathlib import Path

    from forecast.analysis.sweep import Grid, load_grid
    from forecast.export.sweep import run_resumable as implementation
    from forecast.export.writers import check_writable

    spec = grid if isinstance(grid, Grid) else load_grid(Path(grid))
    folder = Path(out) if out is not None else Path("reports") / "sweeps" / spec.name
    check_writable(folder)
    return implementation(spec, folder, workers=workers, dask=dask, progress=progress)
