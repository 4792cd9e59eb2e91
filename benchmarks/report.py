"""Benchmark of the quarterly report (``make bench`` runs it after benchmarks/run.py); not a test.

Times ``peakdata report`` of every shipped scenario at its default samples, plus the waterfalls in
scenarios/compare/, from a cold process with an empty fit cache (a fresh ``python -m forecast report``
each time with ``PEAKDATA_CACHE`` set to a new empty folder, so imports, worker start-up and every
trend fit count), best of ``--repeat``. Also reports user+system CPU of the process and its workers,
and the machine's load average, since on a shared machine wall time tracks the load: on two idle
cores the wall time is about half the CPU time plus the part the report does in one process.
Target: under 15 s wall on 2 cores.

    .venv/bin/python benchmarks/report.py
    .venv/bin/python benchmarks/report.py --repeat 3 --json report-bench.json
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 15.0


def measure(repeat: int) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    runs = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as out, tempfile.TemporaryDirectory() as cache:
            load = os.getloadavg()[0]
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "forecast", "report", "--quarter", "2026Q4", "--out", out],
                           cwd=ROOT, env={**env, "PEAKDATA_CACHE": cache}, check=True, capture_output=True)
            wall = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            files = sum(1 for p in Path(out).rglob("*") if p.is_file())
        runs.append({"wall_s": wall, "cpu_s": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
                     "user_s": after.ru_utime - before.ru_utime, "sys_s": after.ru_stime - before.ru_stime,
                     "files": files, "load_before": load, "load_after": os.getloadavg()[0]})
    best = min(runs, key=lambda r: r["wall_s"])
    return {"best_wall_s": best["wall_s"], "cpu_s": best["cpu_s"], "files": best["files"], "runs": runs,
            "cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
            "load_average": os.getloadavg(), "target_s": TARGET_SECONDS,
            "meets_target": best["wall_s"] < TARGET_SECONDS}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    result = measure(args.repeat)
    print(f"peakdata report, all shipped scenarios: best {result['best_wall_s']:.1f} s wall "
          f"({result['cpu_s']:.1f} s CPU, {result['cores']} cores, load {result['load_average'][0]:.1f}); "
          f"target < {TARGET_SECONDS:.0f} s: {'met' if result['meets_target'] else 'NOT met'}; "
          f"{result['files']} files")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
