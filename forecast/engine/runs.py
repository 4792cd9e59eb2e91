"""Run a set of scenario files for the quarterly report: one ``ScenarioRun`` per file.

A ``ScenarioRun`` is what the report, the run archive and "changes since last quarter" share: the
validated scenario with where each value was written, its result, and the resolved scenario as run
(YAML text, keys sorted, so two runs of the same file give the same text).
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import yaml

from forecast.errors import ScenarioError
from forecast.io.scenario import ScenarioFile, duplicate_name_problems, load_scenario
from forecast.result import ForecastResult

__all__ = ["ScenarioRun", "resolved_yaml", "run_scenarios"]

#: ``progress(name, done, total)``: called after each scenario (done of total scenarios).
RunProgress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class ScenarioRun:
    """One scenario of a report: the file as loaded, its result and the scenario as run (YAML)."""

    file: ScenarioFile
    result: ForecastResult
    yaml_text: str

    @property
    def name(self) -> str:
        return self.file.scenario.name


def resolved_yaml(item: ScenarioFile) -> str:
    """The validated scenario (``extends`` merged, defaults filled) as YAML with sorted keys."""
    return yaml.safe_dump(item.scenario.model_dump(mode="json"), sort_keys=True, allow_unicode=True)


def _run_one(item: ScenarioFile, samples: int | None, data_dir: Path | None, keep_samples: bool,
             after: Callable[[ScenarioFile, ForecastResult], Any] | None = None, threads: int | None = None) -> Any:
    import forecast.engine as engine

    result = engine.run(item.scenario, samples=samples, provenance=item.provenance, data_dir=data_dir,
                        keep_samples=keep_samples, threads=threads)
    return result if after is None else (result, after(item, result))


def run_scenarios(paths: Sequence[str | Path], samples: int | None = None,
                  progress: RunProgress | None = None, data_dir: Path | None = None,
                  keep_samples: bool = False, workers: int = 1, pool=None,
                  loaded_hook: Callable[[list[ScenarioFile]], None] | None = None,
                  after: Callable[[ScenarioFile, ForecastResult], Any] | None = None,
                  extras: dict[str, Any] | None = None) -> list[ScenarioRun]:
    """Load and run every scenario file, in the order given.

    Parameters
    ----------
    paths : sequence of paths
        Scenario YAML files.
    samples : int, optional
        Override every scenario's sample count.
    progress : callable, optional
        ``progress(name, done, total)`` after each scenario.
    data_dir : Path, optional
        Folder of reference CSVs (default: the project's ``data/``).
    keep_samples : bool
        Keep per-sample input draws and outcomes (for the rank-correlation chart).
    workers : int
        Processes to run scenarios in (1: in this process). Every run is a pure function of its
        scenario, so the results do not depend on it.
    pool : concurrent.futures.Executor, optional
        Run the scenarios in this pool instead (``workers`` is then ignored): the quarterly report
        shares one pool of processes between the runs, the trend fits and the charts.
    loaded_hook : callable, optional
        Called with the loaded scenario files (every one valid) before the runs start; the report
        queues the work that needs only the scenarios there.
    after : callable, optional
        ``after(file, result)`` is called where each scenario ran (a worker, with ``pool`` or
        ``workers``), and what it returns is put in ``extras`` by scenario name: work on a run's
        samples done beside the run instead of after all of them (the report's rank correlations).
        Must be a module-level function (it is pickled).

    Raises
    ------
    ScenarioError
        Any file's problems, or two files with the same ``name`` (their results would collide).
    """
    from forecast.io.display_paths import project_relative

    # every file checked before any runs; a file inside the project is named from it in the outputs
    loaded = [load_scenario(project_relative(path), data_dir=data_dir) for path in paths]
    duplicates = [problem for _, problem in duplicate_name_problems(loaded)]
    if duplicates:
        raise ScenarioError(duplicates)
    results: list[ForecastResult | None] = [None] * len(loaded)
    done = 0

    def finish(k: int, result: Any) -> None:
        nonlocal done
        if after is not None:
            result, extra = result
            if extras is not None:
                extras[loaded[k].scenario.name] = extra
        results[k] = result
        done += 1
        if progress is not None:
            progress(loaded[k].scenario.name, done, len(loaded))

    workers = max(1, min(int(workers), len(loaded)))
    if pool is not None:
        _run_in(pool, loaded, samples, data_dir, keep_samples, finish, loaded_hook, after)
    elif workers == 1:
        if loaded_hook is not None:
            loaded_hook(loaded)
        for k, item in enumerate(loaded):
            finish(k, _run_one(item, samples, data_dir, keep_samples, after))
    else:
        with process_pool(workers) as own:
            _run_in(own, loaded, samples, data_dir, keep_samples, finish, loaded_hook, after)
    return [ScenarioRun(item, result, resolved_yaml(item)) for item, result in zip(loaded, results)]


@contextmanager
def process_pool(workers: int) -> Iterator[Any]:
    """A pool of ``workers`` processes, forked where the platform can (workers start with the
    parent's imports and caches). On an error its queued tasks are cancelled and its workers
    stopped, so the error is reported at once rather than after the tasks still running."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
    try:
        yield pool
    except BaseException:
        processes = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:  # this pool's own workers only
            process.terminate()
        raise
    pool.shutdown(wait=True)


def _run_in(pool, loaded: list[ScenarioFile], samples, data_dir, keep_samples, finish, loaded_hook,
            after=None) -> None:
    """Call ``loaded_hook`` (which may queue longer tasks first), submit every run to ``pool``
    (the largest first, so the last to finish is a short one), then collect the runs as they finish."""
    from concurrent.futures import as_completed

    def size(k: int) -> float:  # samples × quarters, about what a run costs
        scenario = loaded[k].scenario
        h = scenario.horizon
        return float(samples or scenario.samples) * (h.end.ordinal - h.start.ordinal + 1)

    if loaded_hook is not None:
        loaded_hook(loaded)
    order = sorted(range(len(loaded)), key=lambda k: -size(k))
    # one thread per run: the pool's processes already keep the cores busy, and threads within a run
    # only add switching (a baseline run: 0.68 s of CPU on one thread, 0.73-0.77 s on two)
    futures = {pool.submit(_run_one, loaded[k], samples, data_dir, keep_samples, after, 1): k for k in order}
    for future in as_completed(futures):
        finish(futures[future], future.result())
