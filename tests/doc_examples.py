"""Example outputs in the docs, produced by running them (tests/test_docs.py checks and rewrites them).

A block of a doc between ``<!-- BEGIN example: COMMANDS -->`` and ``<!-- END example -->`` is what
COMMANDS print, run by bash in a fresh copy of the project's ``scenarios/`` and ``data/`` (so nothing is
written into the project) with ``peakdata`` on the PATH (the command line of this checkout, run by
this Python), ``PEAKDATA_DATA`` on the copy of ``data/``, a fit cache of its own (fits are computed
once for all examples; a cached fit gives the same numbers as a fresh one), standard error merged
into standard output in the order a terminal shows them (standard output line-buffered), and
standard output not a terminal (tables at most 160 columns; prefix ``COLUMNS=200`` for a wider one).
COMMANDS are shell commands separated by `` ; ``, run one after the other in the same folder; one
ending in `` > /dev/null`` prepares the next (its output is not shown, and it must exit 0). A command
may exit non-zero (the refusals quoted are examples too). The block body is one fenced code block;
its info string (```` ```yaml ````) is kept.

Prefer options that make an output stable (``--quarter``, ``--seed``, ``-n``) to normalising it; the
only normalisation is the temporary folder, written as the project folder it stands for. Commands
that several examples begin with identically (a report run that fills an archive) run once: the folder
after them is copied for each example that continues from it.
"""
from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

BLOCK = re.compile(r"(?P<begin><!-- BEGIN example: (?P<commands>.+?) -->\n)(?P<body>.*?)(?P<end><!-- END example -->)",
                   re.S)
_HIDDEN = " > /dev/null"
_SEPARATOR = " ; "
#: Environment variables that would change what peakdata prints (width, colour, data and cache folders).
_DROP = ("COLUMNS", "LINES", "FORCE_COLOR", "NO_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "PEAKDATA_DATA",
         "PEAKDATA_CACHE", "PEAKDATA_TEST_CACHE", "PYTHONWARNINGS")


def commands(text: str) -> list[str]:
    """The commands of one example marker, in order."""
    return [part.strip() for part in text.split(_SEPARATOR)]


def line_of(doc: str, match: re.Match) -> int:
    return doc.count("\n", 0, match.start()) + 1


@dataclass
class Runner:
    """Runs the examples of the docs, sharing the folder after a prefix of commands that several
    examples start with."""

    tmp: Path
    shared: Counter = field(default_factory=Counter)
    _saved: dict = field(default_factory=dict)
    _count: itertools.count = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        bin_dir = self.tmp / "bin"
        bin_dir.mkdir(parents=True)
        script = bin_dir / "peakdata"
        # standard output line-buffered, as on a terminal, so its lines and standard error's interleave
        # as a terminal shows them
        launch = ("import sys; sys.argv[0] = 'peakdata'; sys.stdout.reconfigure(line_buffering=True); "
                  "from forecast.cli.app import main; main()")
        script.write_text(f'#!/bin/sh\nexec "{sys.executable}" -c "{launch}" "$@"\n', encoding="utf-8")
        script.chmod(0o755)
        self._bin = bin_dir

    def plan(self, examples: list[str]) -> None:
        """Count the command prefixes of all examples, so a prefix two of them share runs once."""
        for text in examples:
            steps = tuple(_bare(step) for step in commands(text))
            for k in range(1, len(steps) + 1):
                self.shared[steps[:k]] += 1

    def _env(self, work: Path) -> dict:
        env = {k: v for k, v in os.environ.items() if k not in _DROP}
        env.update(PATH=f"{self._bin}{os.pathsep}{env.get('PATH', '')}",
                   PYTHONPATH=f"{ROOT}{os.pathsep}{env['PYTHONPATH']}" if env.get("PYTHONPATH") else str(ROOT),
                   PEAKDATA_DATA=str(work / "data"), PEAKDATA_CACHE=str(self.tmp / "fit-cache"), PYTHONUTF8="1",
                   PYTHONIOENCODING="utf-8", OPENBLAS_NUM_THREADS="1")
        return env

    def _fresh(self, saved: Path | None = None) -> Path:
        work = self.tmp / f"example-{next(self._count)}" / "project"
        if saved is not None:
            shutil.copytree(saved, work)
            return work
        work.mkdir(parents=True)
        shutil.copytree(ROOT / "scenarios", work / "scenarios")
        shutil.copytree(ROOT / "data", work / "data")
        return work

    def output(self, text: str) -> str:
        """What the example's commands print, the temporary folder written as the project folder."""
        steps = commands(text)
        bare = tuple(_bare(step) for step in steps)
        start, outputs = 0, []
        for k in range(len(steps), 0, -1):
            if bare[:k] in self._saved:
                saved, outputs = self._saved[bare[:k]]
                work, start, outputs = self._fresh(saved), k, list(outputs)
                break
        else:
            work = self._fresh()
        env = self._env(work)
        for k in range(start, len(steps)):
            done = subprocess.run(["bash", "-c", bare[k]], cwd=work, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, check=False)
            outputs.append((done.returncode, done.stdout.decode("utf-8")))
            if self.shared[bare[: k + 1]] > 1:
                keep = self.tmp / f"saved-{len(self._saved)}"
                shutil.copytree(work, keep)
                self._saved[bare[: k + 1]] = (keep, list(outputs))
        shown = []
        for step, (code, out) in zip(steps, outputs):
            assert "Traceback (most recent call last)" not in out, f"`{step}` crashed:\n{out}"
            if step.endswith(_HIDDEN):
                assert code == 0, f"`{step}` prepares an example and must succeed; it printed:\n{out}"
            else:
                shown.append(out)
        project = re.escape(str(self.tmp / "example-")) + r"\d+" + re.escape(f"{os.sep}project")
        return re.sub(project + "(" + re.escape(os.sep) + ")?", lambda m: "" if m[1] else ".", "".join(shown))


def _bare(step: str) -> str:
    """A command without its `` > /dev/null``."""
    return step[: -len(_HIDDEN)] if step.endswith(_HIDDEN) else step


def render(doc: str, runner: Runner, workers: int = 2) -> tuple[str, list[str]]:
    """The doc with every example block's body replaced by its output, and the examples whose body
    changed (as `line N: COMMANDS`). Examples run on ``workers`` threads (each a subprocess), those
    that begin with the same command in one thread, in order, so they share its folder."""
    matches = list(BLOCK.finditer(doc))
    runner.plan([m["commands"] for m in matches])
    groups: dict = {}
    for m in matches:
        first = _bare(commands(m["commands"])[0])
        key = first if runner.shared[(first,)] > 1 else id(m)
        groups.setdefault(key, []).append(m)
    outputs = {}

    def run(group):
        for m in group:
            outputs[m.start()] = runner.output(m["commands"])

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for future in [pool.submit(run, g) for g in sorted(groups.values(), key=len, reverse=True)]:
            future.result()
    stale = []

    def body(match: re.Match) -> str:
        old = match["body"]
        fence = old.split("\n", 1)[0] if old.startswith("```") else "```"
        out = outputs[match.start()]
        if out and not out.endswith("\n"):
            out += "\n"
        new = f"{fence}\n{out}```\n"
        if new != old:
            stale.append(f"line {line_of(doc, match)}: {match['commands']}")
        return f"{match['begin']}{new}{match['end']}"

    return BLOCK.sub(body, doc), stale
