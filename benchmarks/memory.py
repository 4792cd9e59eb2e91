"""On-demand memory benchmark of the cost scenarios (issue 22); not part of the test suite.

Runs ``python -m forecast run FILE --samples N`` for every shipped scenario with a ``cost`` section
(``scenarios/**/*.yaml``, the compare files in ``scenarios/compare/`` and the grids in
``scenarios/sweeps/`` left out), each in a fresh process and **one after the other** (a run's peak
must not share the machine with another's), outputs into a temporary folder. The peak resident set
size is the child's own ``ru_maxrss`` as ``wait4`` returns it, the same figure ``/usr/bin/time -v``
prints as "Maximum resident set size". Target: below 2 GiB at 1,000,000 samples.

    .venv/bin/python benchmarks/memory.py                                  # every cost scenario, 1M
    .venv/bin/python benchmarks/memory.py --scenario scenarios/palmyra-x-004.yaml --samples 200000
    .venv/bin/python benchmarks/memory.py --json build/memory.json

Exit status: 0 when every measurement ran, even if a target fails (this is a report, not a gate);
1 when a run could not be measured (it exited non-zero, or a file is not a scenario). Results and
their interpretation: benchmarks/README.md and docs/performance.md ("Memory of the cost scenarios").
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024
GIB = 1024 * MIB

#: Peak resident set size a run of any shipped cost scenario must stay below [bytes].
TARGET_BYTES = 2 * GIB
#: Folders of ``scenarios/`` that hold other kinds of file (compare files, sweep grids).
NOT_SCENARIOS = ("compare", "sweeps")


def _env() -> dict[str, str]:
    """Environment for the runs: import ``forecast`` from this tree, whatever is installed."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def _load() -> str:
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except (AttributeError, OSError):
        return "n/a"


def _maxrss_bytes(ru_maxrss: int) -> int:
    """``ru_maxrss`` in bytes (Linux reports KiB, macOS bytes)."""
    return int(ru_maxrss) * (1 if sys.platform == "darwin" else 1024)


def cost_scenarios() -> list[Path]:
    """Every shipped scenario file with a ``cost`` section, sorted by path."""
    sys.path.insert(0, str(ROOT))
    from forecast.io.scenario import load_scenario

    found = []
    for path in sorted((ROOT / "scenarios").rglob("*.yaml")):
        if path.relative_to(ROOT / "scenarios").parts[0] in NOT_SCENARIOS:
            continue
        if load_scenario(path).scenario.cost is not None:
            found.append(path)
    return found


def measure(scenario: Path, samples: int, out: Path) -> dict:
    """One ``peakdata run`` in a fresh process: its peak RSS, wall and CPU time."""
    cmd = [sys.executable, "-m", "forecast", "run", str(scenario), "--samples", str(samples),
           "--out", str(out)]
    load = _load()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stderr = proc.stderr.read() if proc.stderr else b""
    if proc.stderr:
        proc.stderr.close()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: keep Popen from waiting again
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}:\n"
                           f"{stderr.decode(errors='replace').strip()[-2000:]}")
    return {"scenario": os.path.relpath(scenario, ROOT), "samples": samples,
            "peak_rss_bytes": _maxrss_bytes(usage.ru_maxrss), "wall_s": wall,
            "cpu_s": usage.ru_utime + usage.ru_stime, "load": load}


def _table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    line = lambda cells: "  ".join(c.rjust(w) if i else c.ljust(w)  # noqa: E731
                                   for i, (c, w) in enumerate(zip(cells, widths)))
    return "\n".join([line(headers), line(["-" * w for w in widths])] + [line(r) for r in rows])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Peak memory of `peakdata run` on the cost scenarios, "
                                            "one fresh process at a time.")
    p.add_argument("--samples", type=int, default=1_000_000, help="samples per run (default: 1000000)")
    p.add_argument("--scenario", nargs="+", metavar="FILE",
                   help="scenario files (default: every shipped scenario with a cost section)")
    p.add_argument("--json", metavar="FILE", help="also write the results as JSON to FILE")
    args = p.parse_args(argv)
    if args.samples < 1:
        p.error("--samples must be positive")
    try:
        files = ([Path(f).resolve() for f in args.scenario] if args.scenario else cost_scenarios())
        print(f"peakdata memory benchmark  {_dt.datetime.now().isoformat(timespec='seconds')}  "
              f"python {platform.python_version()}  {os.cpu_count()} cpu  {args.samples:,} samples  "
              f"{len(files)} scenario(s), one at a time", flush=True)
        runs = []
        with tempfile.TemporaryDirectory(prefix="peakdata-memory-") as tmp:
            for path in files:
                print(f"  {os.path.relpath(path, ROOT)} ...", flush=True)
                runs.append(measure(path, args.samples, Path(tmp)))
    except Exception:  # noqa: BLE001 - any failure is a failed measurement
        traceback.print_exc()
        return 1
    print()
    print(_table(["scenario", "samples", "peak RSS MiB", "wall s", "cpu s", "load"],
                 [[r["scenario"], f"{r['samples']:,}", f"{r['peak_rss_bytes'] / MIB:,.0f}",
                   f"{r['wall_s']:.1f}", f"{r['cpu_s']:.1f}", r["load"]] for r in runs]))
    print()
    checks = []
    for r in runs:
        ok = r["peak_rss_bytes"] < TARGET_BYTES
        checks.append({"target": f"{r['scenario']}, {r['samples']:,} samples < 2 GiB peak RSS",
                       "status": "PASS" if ok else "FAIL", "detail": f"{r['peak_rss_bytes'] / MIB:,.0f} MiB"})
        print(f"{checks[-1]['status']}  {checks[-1]['target']}: {checks[-1]['detail']}")
    if args.json:
        report = {"date": _dt.datetime.now().isoformat(timespec="seconds"), "python": platform.python_version(),
                  "platform": platform.platform(), "cpus": os.cpu_count(), "runs": runs, "checks": checks}
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
