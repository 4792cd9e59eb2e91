"""On-demand benchmarks for peakdata (``make bench``); not part of the test suite.

For each sample count the engine runs in a fresh subprocess, so each peak RSS belongs to one run
only. The child loads the scenario, makes one untimed warm-up call on 1,000 samples (the engine
imports statsmodels lazily), then times ``forecast.engine.run`` with ``time.perf_counter`` (best of
``--repeat``) and reports its own ``ru_maxrss``. The parent also times ``peakdata --help`` and
``peakdata validate SCENARIO`` as subprocesses (best of 5), checks the targets, prints a
plain-text table and optionally writes JSON.

Exit status: 0 when every measurement ran, even if a target fails (this is a report, not a gate);
1 when a measurement could not be taken (an exception here or in a child).

    .venv/bin/python benchmarks/run.py
    .venv/bin/python benchmarks/run.py --samples 100000 --repeat 5 --json bench.json
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024
GIB = 1024 * MIB

#: Targets. Memory and engine time are the issue's performance targets; the --help one keeps
#: the CLI's promise that heavy imports are deferred so ``peakdata --help`` answers at once.
TARGET_MEMORY_SAMPLES = 1_000_000
TARGET_MEMORY_QUARTERS = 68
TARGET_MEMORY_BYTES = 2 * GIB
TARGET_TIME_SAMPLES = 100_000
TARGET_TIME_HORIZON = ("2024Q1", "2040Q4")
TARGET_TIME_SECONDS = 2.0
TARGET_HELP_SECONDS = 1.0
CLI_REPEAT = 5


def _maxrss_bytes(usage: resource.struct_rusage) -> int:
    """``ru_maxrss`` in bytes (Linux reports KiB, macOS bytes)."""
    scale = 1 if sys.platform == "darwin" else 1024
    return int(usage.ru_maxrss) * scale


def _env() -> dict[str, str]:
    """Environment for subprocesses: import ``forecast`` from this tree, whatever is installed."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def _git_revision() -> str:
    """Short commit of the tree being measured, with ``+dirty`` if it has uncommitted changes."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True,
                              capture_output=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               text=True, capture_output=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+dirty" if dirty else "")


def _load() -> str:
    """1-minute load average: other work on the machine inflates the timings."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except (AttributeError, OSError):
        return "n/a"


def _current_rss_bytes() -> int | None:
    """Resident set size now (Linux only; None elsewhere)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


# --------------------------------------------------------------------------------------------
# child: one engine benchmark, result as one JSON line on stdout
# --------------------------------------------------------------------------------------------

def child(scenario_path: str, samples: int, repeat: int) -> int:
    sys.path.insert(0, str(ROOT))
    from forecast.io.scenario import load_scenario
    import forecast.engine as engine

    loaded = load_scenario(scenario_path)
    scenario = loaded.scenario
    quarters = scenario.horizon.quarters
    # Untimed warm-up on a few samples: the engine imports statsmodels and scipy lazily on its
    # first call, and import time is not engine time.
    start = time.perf_counter()
    engine.run(scenario, samples=min(samples, 1000), provenance=loaded.provenance)
    warmup = time.perf_counter() - start
    rss_before = _current_rss_bytes()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = engine.run(scenario, samples=samples, provenance=loaded.provenance)
        times.append(time.perf_counter() - start)
        del result
    out = {
        "scenario": scenario.name,
        "samples": samples,
        "quarters": len(quarters),
        "horizon": [str(quarters[0]), str(quarters[-1])],
        "warmup_s": warmup,
        "times_s": times,
        "best_s": min(times),
        "rss_before_run_bytes": rss_before,
        "self_maxrss_bytes": _maxrss_bytes(resource.getrusage(resource.RUSAGE_SELF)),
    }
    print("BENCH-RESULT " + json.dumps(out), flush=True)
    return 0


# --------------------------------------------------------------------------------------------
# parent
# --------------------------------------------------------------------------------------------

def _run_child(scenario: Path, samples: int, repeat: int) -> dict:
    """Run one engine benchmark in a fresh interpreter; peak RSS from wait4 and from the child."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", "--scenario", str(scenario),
           "--samples", str(samples), "--repeat", str(repeat)]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    stdout, stderr = proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark child for {samples:,} samples exited {proc.returncode}:\n"
                           f"{stderr.strip()}")
    lines = [ln for ln in stdout.splitlines() if ln.startswith("BENCH-RESULT ")]
    if not lines:
        raise RuntimeError(f"benchmark child for {samples:,} samples printed no result:\n"
                           f"{stdout}\n{stderr}")
    data = json.loads(lines[-1][len("BENCH-RESULT "):])
    data["peak_rss_bytes"] = data["self_maxrss_bytes"]
    data["samples_quarters_per_s"] = samples * data["quarters"] / data["best_s"]
    return data


def _time_command(cmd: list[str], repeat: int) -> dict:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=ROOT, env=_env(), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
        times.append(time.perf_counter() - start)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stderr.strip()}")
    return {"command": " ".join(cmd), "times_s": times, "best_s": min(times)}


def _peakdata_exe() -> str:
    beside = Path(sys.executable).parent / "peakdata"
    if beside.exists():
        return str(beside)
    found = shutil.which("peakdata")
    if found is None:
        raise RuntimeError("peakdata console script not found (run `make install`)")
    return found


def _checks(engine_runs: list[dict], cli: dict) -> list[dict]:
    out = []
    mem = [r for r in engine_runs if r["samples"] == TARGET_MEMORY_SAMPLES]
    name = (f"peak RSS, {TARGET_MEMORY_SAMPLES:,} samples x {TARGET_MEMORY_QUARTERS} quarters "
            f"< {TARGET_MEMORY_BYTES / GIB:g} GiB")
    if not mem:
        out.append({"target": name, "status": "SKIP", "detail": "not in --samples"})
    elif mem[0]["quarters"] != TARGET_MEMORY_QUARTERS:
        out.append({"target": name, "status": "SKIP",
                    "detail": f"scenario has {mem[0]['quarters']} quarters"})
    else:
        value = mem[0]["peak_rss_bytes"]
        out.append({"target": name, "status": "PASS" if value < TARGET_MEMORY_BYTES else "FAIL",
                    "detail": f"{value / MIB:,.0f} MiB"})
    tim = [r for r in engine_runs if r["samples"] == TARGET_TIME_SAMPLES]
    name = (f"engine time, {TARGET_TIME_SAMPLES:,} samples over "
            f"{TARGET_TIME_HORIZON[0]}-{TARGET_TIME_HORIZON[1]} < {TARGET_TIME_SECONDS:g} s")
    if not tim:
        out.append({"target": name, "status": "SKIP", "detail": "not in --samples"})
    elif tuple(tim[0]["horizon"]) != TARGET_TIME_HORIZON:
        out.append({"target": name, "status": "SKIP",
                    "detail": "scenario horizon is " + "-".join(tim[0]["horizon"])})
    else:
        value = tim[0]["best_s"]
        out.append({"target": name, "status": "PASS" if value < TARGET_TIME_SECONDS else "FAIL",
                    "detail": f"{value:.3f} s ({tim[0]['scenario']})"})
    value = cli["help"]["best_s"]
    out.append({"target": f"peakdata --help < {TARGET_HELP_SECONDS:g} s",
                "status": "PASS" if value < TARGET_HELP_SECONDS else "FAIL",
                "detail": f"{value:.3f} s"})
    return out


def _table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    line = lambda cells: "  ".join(c.rjust(w) if i else c.ljust(w)  # noqa: E731
                                   for i, (c, w) in enumerate(zip(cells, widths)))
    return "\n".join([line(headers), line(["-" * w for w in widths])] + [line(r) for r in rows])


def _resolve_scenario(text: str) -> Path:
    path = Path(text)
    if not path.is_absolute() and not path.exists() and (ROOT / path).exists():
        path = ROOT / path
    if not path.exists():
        raise FileNotFoundError(f"scenario not found: {text}")
    return path.resolve()


def parent(args: argparse.Namespace) -> int:
    scenario = _resolve_scenario(args.scenario)
    rel = os.path.relpath(scenario, ROOT)
    revision = _git_revision()
    start_load = _load()
    print(f"peakdata benchmarks  {_dt.datetime.now().isoformat(timespec='seconds')}  "
          f"commit {revision}  python {platform.python_version()}  {os.cpu_count()} cpu  "
          f"scenario {rel}  repeat {args.repeat}  load {start_load}", flush=True)

    engine_runs = []
    for n in args.samples:
        print(f"  engine.run with {n:,} samples (fresh subprocess) ...", flush=True)
        engine_runs.append(_run_child(scenario, n, args.repeat))

    exe = _peakdata_exe()
    print(f"  peakdata --help, peakdata validate {rel} (best of {CLI_REPEAT}) ...", flush=True)
    cli = {"help": _time_command([exe, "--help"], CLI_REPEAT),
           "validate": _time_command([exe, "validate", rel], CLI_REPEAT)}

    print()
    rows = []
    for r in engine_runs:
        rows.append([r["scenario"], f"{r['samples']:,}", str(r["quarters"]),
                     f"{r['best_s']:.3f}", f"{r['samples_quarters_per_s'] / 1e6:,.1f}",
                     f"{r['peak_rss_bytes'] / MIB:,.0f}",
                     "" if r["rss_before_run_bytes"] is None
                     else f"{r['rss_before_run_bytes'] / MIB:,.0f}"])
    print(_table(["scenario", "samples", "quarters", "engine s (best)", "M sample-q/s",
                  "peak RSS MiB", "RSS before runs MiB"], rows))
    print()
    print(_table(["command", "best s", "all runs s"],
                 [[c["command"].replace(str(Path(exe).parent) + os.sep, ""), f"{c['best_s']:.3f}",
                   " ".join(f"{t:.2f}" for t in c["times_s"])] for c in cli.values()]))
    print()
    print(f"load average now {_load()} (started at {start_load}; {os.cpu_count()} cpu)")
    print()
    checks = _checks(engine_runs, cli)
    for c in checks:
        print(f"{c['status']}  {c['target']}: {c['detail']}")

    if args.json:
        report = {
            "date": _dt.datetime.now().isoformat(timespec="seconds"), "commit": revision,
            "python": platform.python_version(), "platform": platform.platform(),
            "cpus": os.cpu_count(), "load_before": start_load, "load_after": _load(), "scenario": rel, "repeat": args.repeat,
            "engine": engine_runs, "cli": cli, "checks": checks,
        }
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        print(f"\nwrote {args.json}")
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="peakdata benchmarks: engine time and peak memory "
                                            "per sample count, CLI start-up time.")
    p.add_argument("--samples", type=int, nargs="+", default=[100_000, 1_000_000],
                   help="sample counts, one fresh subprocess each (default: 100000 1000000)")
    p.add_argument("--scenario", default="scenarios/baseline.yaml",
                   help="scenario file (default: scenarios/baseline.yaml)")
    p.add_argument("--repeat", type=int, default=3,
                   help="engine runs per sample count; the best is reported (default: 3)")
    p.add_argument("--json", metavar="FILE", help="also write the results as JSON to FILE")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.repeat < 1 or any(n < 1 for n in args.samples):
        p.error("--repeat and --samples must be positive")
    try:
        if args.child:
            return child(args.scenario, args.samples[0], args.repeat)
        return parent(args)
    except Exception:  # noqa: BLE001 - any failure is a failed benchmark run
        traceback.print_exc()
        return 1


if __name__ == "__main__":
    sys.exit(main())
