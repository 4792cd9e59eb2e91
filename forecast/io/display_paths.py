"""How outputs name files: relative to the project or to the report folder, never by machine path.

A report, its HTML page, its CSV and JSON files and a run's ``inputs.csv`` are read on other
machines; a path such as ``/home/alice/peakdata/reports/archive.sqlite`` would tell them nothing and
would differ from machine to machine. So a scenario file named by an absolute path inside the
project (the current folder) is read by its path from the project (:func:`project_relative`), and
the report names its archive from the report folder (:func:`name_from`).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

__all__ = ["project_relative", "name_from"]


def _inside(path: str, folder: str) -> bool:
    return os.path.commonpath([path, folder]) == folder


def project_relative(path: str | Path) -> str | Path:
    """``path`` from the current folder (``/``-separated) when it is absolute and lies inside it;
    otherwise as given.

    >>> import os
    >>> project_relative(os.path.join(os.getcwd(), "scenarios", "baseline.yaml"))
    'scenarios/baseline.yaml'
    >>> project_relative("scenarios/baseline.yaml")
    'scenarios/baseline.yaml'
    """
    if not os.path.isabs(path):
        return path
    here = os.path.abspath(os.getcwd())
    full = os.path.abspath(path)
    if not _inside(full, here) or full == here:
        return path
    return Path(os.path.relpath(full, here)).as_posix()


def name_from(folder: str | Path, path: str | Path, roots: Iterable[str | Path] = ()) -> str:
    """How a file in ``folder`` names ``path`` (``/``-separated).

    Relative to ``folder`` when both lie inside one of ``roots`` (the output folder, the project),
    else relative to the project when ``path`` lies inside it, else the file's name alone.

    >>> name_from("/srv/out/reports/2026Q4", "/srv/out/reports/archive.sqlite", ["/srv/out/reports"])
    '../archive.sqlite'
    >>> name_from("/tmp/r/2026Q4", "/var/lib/peakdata/archive.sqlite", ["/tmp/r"])
    'archive.sqlite'
    """
    folder, full = os.path.abspath(folder), os.path.abspath(path)
    for root in [*roots, os.getcwd()]:
        root = os.path.abspath(root)
        if _inside(full, root) and _inside(folder, root):
            return Path(os.path.relpath(full, folder)).as_posix()
    relative = project_relative(full)
    return Path(relative).as_posix() if not os.path.isabs(relative) else Path(full).name
