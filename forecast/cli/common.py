"""What every command shares: the console, the exit codes, and turning an error or Ctrl-C into one line.

Input errors (any ``ForecastError``) print a message and exit with code 2, never a traceback;
``--debug`` shows one. Ctrl-C prints one line saying what is left on disk and exits with code 130.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import typer

__all__ = ["EXIT_INPUT", "EXIT_INTERRUPTED", "PIPE_WIDTH", "fail", "interrupted", "make_console", "points_progress",
           "print_warnings", "state"]

#: ``--debug``: re-raise errors with their traceback.
state = {"debug": False}
EXIT_INPUT = 2
#: Exit code after Ctrl-C (SIGINT), as shells report it: 128 + 2.
EXIT_INTERRUPTED = 130
#: Width of tables when output goes to a file or pipe (a terminal uses its own width) [columns].
PIPE_WIDTH = 160


def make_console(stderr: bool = False):
    """A rich console on stdout (or stderr): the terminal's width, or :data:`PIPE_WIDTH` when piped."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() or os.environ.get("COLUMNS") else PIPE_WIDTH
    return Console(stderr=stderr, highlight=False, soft_wrap=True, width=width)


def fail(exc: Exception) -> None:
    """Report an input error without a traceback and exit 2 (re-raise with --debug)."""
    if state["debug"]:
        raise exc
    err = make_console(stderr=True)
    for line in str(exc).splitlines() or [type(exc).__name__]:
        err.print(f"[bold red]error[/] {line}", markup=True)
    raise typer.Exit(EXIT_INPUT)


def interrupted(folder: Path | None) -> None:
    """One line after Ctrl-C, saying what is left on disk; exit 130 (re-raise with --debug)."""
    if state["debug"]:
        raise KeyboardInterrupt
    if folder is None:
        what = "nothing written"
    elif folder.is_dir():
        what = f"previous outputs in {folder} kept"
    else:
        what = f"nothing written to {folder}"
    make_console(stderr=True).print(f"interrupted; {what}", markup=False)
    raise typer.Exit(EXIT_INTERRUPTED)


def print_warnings(console, items) -> None:
    """Every warning of the loaded scenario files, one line each."""
    for item in items:
        for problem in item.warnings:
            console.print(f"warning {problem}", markup=False)


def points_progress(label: str, unit: str):
    """A progress bar counting points or evaluations on stderr (nothing when it is not a terminal)."""
    from forecast.cli.render import count_progress

    return count_progress(label, unit)
