"""Where the full run's time goes, and the floors it is measured against (docs/performance.md).

    .venv/bin/python benchmarks/profile_run.py [--samples 1000000] [--scenario scenarios/baseline.yaml]

1. cProfile of one ``engine.run`` on ONE thread with the CPU clock (``time.thread_time``), so other
   work on the machine does not distort the shares; the top functions by own time.
2. Floors, each on one thread, best of 5: one exact selection of the report's 10 ranks on a row
   of N values (what each metric-quarter must pay at least for its quantiles), one ``np.exp`` of N
   values, one multiply, one ``mean``; and their total for the run (4 selected metrics × quarters).
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def _best(fn, repeat: int = 5) -> float:
    best = np.inf
    for _ in range(repeat):
        start = time.thread_time()
        fn()
        best = min(best, time.thread_time() - start)
    return best


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--samples", type=int, default=1_000_000)
    p.add_argument("--scenario", default=str(ROOT / "scenarios" / "baseline.yaml"))
    args = p.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    import forecast.engine as engine
    from forecast.engine.blocks import order_statistics, ranks
    from forecast.io.scenario import load_scenario

    scenario = load_scenario(args.scenario).scenario
    n, q = args.samples, len(scenario.horizon.quarters)
    engine.run(scenario, samples=1000, threads=1)
    prof = cProfile.Profile(time.thread_time)
    prof.enable()
    engine.run(scenario, samples=n, threads=1)
    prof.disable()
    stats = pstats.Stats(prof)
    total = stats.total_tt
    print(f"engine.run, {n:,} samples x {q} quarters, 1 thread: {total:.3f} s CPU (under cProfile)\n")
    rows = sorted(stats.stats.items(), key=lambda kv: kv[1][2], reverse=True)[:14]
    print(f"{'own s':>8} {'share':>6} {'calls':>7}  function")
    for (file, line, name), (_, calls, own, _cum, _) in rows:
        where = f"{Path(file).name}:{line}({name})" if line else name
        print(f"{own:8.3f} {own / total:6.1%} {calls:7d}  {where}")

    rng = np.random.default_rng(0)
    x = rng.lognormal(0.0, 1.0, n)
    y = np.empty(n)
    want = ranks(n)

    def select():
        np.copyto(y, x)
        order_statistics(y, want)

    floors = {
        "copy + exact selection of 10 ranks": _best(select),
        "np.exp": _best(lambda: np.exp(x, out=y)),
        "multiply": _best(lambda: np.multiply(x, x, out=y)),
        "mean": _best(lambda: x.mean()),
    }
    print(f"\nfloors on one thread, {n:,} values, best of 5:")
    for name, t in floors.items():
        print(f"  {name:<36} {t * 1e3:8.2f} ms")
    sel = floors["copy + exact selection of 10 ranks"] * 4 * q
    print(f"  selection for 4 metrics x {q} quarters   {sel:8.3f} s  (synthetic_share is derived from ratio)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
