"""On-demand benchmarks of sweeps and sensitivity (issue 19); not part of the test suite.

1. A 1,000-point sweep (demand.compute.growth × supply.repetition.epochs on the baseline, 25 × 40)
   at 10,000 samples per point: in-process, then on a 2-worker ``distributed.LocalCluster``
   (``--dask local``), each into a fresh folder; the two ``sweep.csv`` files are compared byte for byte.
2. A sensitivity run of the baseline with a 1,000,000-evaluation Sobol budget, in a fresh
   subprocess that reports its own peak RSS (``ru_maxrss``).

    .venv/bin/python benchmarks/sweeps.py                       # both
    .venv/bin/python benchmarks/sweeps.py --points 100 --samples 10000 --skip-sensitivity
    .venv/bin/python benchmarks/sweeps.py --json build/sweeps.json

Prints a plain-text table; results and their interpretation: docs/performance.md ("Sweeps and
sensitivity").
"""
from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GIB = 1024 ** 3


def _grid(folder: Path, points: int, samples: int) -> Path:
    epochs = 40 if points >= 40 else points
    growth = max(1, math.ceil(points / epochs))
    path = folder / "bench-grid.yaml"
    path.write_text(f"""\
name: bench-grid
base: {ROOT / 'scenarios' / 'baseline.yaml'}
samples: {samples}
set:
  supply.repetition.multiplier: null
  supply.repetition.decay_constant: 15.39
axes:
  demand.compute.growth: {{from: 2x/yr, to: 6x/yr, steps: {growth}}}
  supply.repetition.epochs: {{from: 1, to: 64, steps: {epochs}, scale: log}}
""", encoding="utf-8")
    return path


def _sweep(grid: Path, out: Path, dask: str | None, workers: int) -> tuple[float, int]:
    sys.path.insert(0, str(ROOT))
    from forecast.analysis.sweep import load_grid
    from forecast.export.sweep import run_resumable, write_sweep
    from forecast.report.charts.analysis import heatmap_png

    start = time.perf_counter()
    spec = load_grid(grid)
    table = run_resumable(spec, out, workers=workers, dask=dask)
    write_sweep(spec, table, out, heatmap_png(spec, table))
    return time.perf_counter() - start, len(table)


def _sensitivity_child(budget: int) -> None:
    sys.path.insert(0, str(ROOT))
    from forecast.io.scenario import load_scenario
    from forecast.analysis.sensitivity import sensitivity

    scenario = load_scenario(ROOT / "scenarios" / "baseline.yaml").scenario
    start = time.perf_counter()
    frame = sensitivity(scenario, budget=budget)
    seconds = time.perf_counter() - start
    top = frame[frame["output"] == "exhaustion"].head(5)[["input", "S1", "ST"]].to_dict(orient="records")
    print(json.dumps({"seconds": seconds, "evaluations": frame.attrs["evaluations"],
                      "max_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, "top": top}))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1000)
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--budget", type=int, default=1_000_000, help="Sobol evaluations")
    parser.add_argument("--skip-sweep", action="store_true")
    parser.add_argument("--skip-sensitivity", action="store_true")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--child-sensitivity", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_sensitivity:
        _sensitivity_child(args.child_sensitivity)
        return 0
    found: dict = {"cores": len(os.sched_getaffinity(0)), "load": os.getloadavg()}
    if not args.skip_sweep:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            grid = _grid(folder, args.points, args.samples)
            here, count = _sweep(grid, folder / "in-process", None, 1)
            dask, _ = _sweep(grid, folder / "dask", "local", 2)
            same = (folder / "in-process" / "sweep.csv").read_bytes() == (folder / "dask" / "sweep.csv").read_bytes()
            found["sweep"] = {"points": count, "samples": args.samples, "in_process_s": here,
                              "dask_local_2_workers_s": dask, "identical_csv": same}
            print(f"sweep: {count} points × {args.samples:,} samples: in-process {here:.1f} s "
                  f"({here / count * 1000:.0f} ms/point), LocalCluster 2 workers {dask:.1f} s; "
                  f"sweep.csv identical: {same}")
    if not args.skip_sensitivity:
        child = subprocess.run([sys.executable, __file__, "--child-sensitivity", str(args.budget)],
                               capture_output=True, text=True, check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        result = json.loads(child.stdout.strip().splitlines()[-1])
        found["sensitivity"] = result
        print(f"sensitivity: {result['evaluations']:,} Sobol evaluations (budget {args.budget:,}) in "
              f"{result['seconds']:.1f} s, peak RSS {result['max_rss'] / GIB:.2f} GiB (target < 4 GiB)")
    print(f"cores {found['cores']}, load {found['load'][0]:.2f}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(found, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
