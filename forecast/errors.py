"""Typed exceptions of the library.

The library raises; the CLI translates every :class:`ForecastError` into a
friendly message and exit code 2. Nothing in the library prints or exits.

::

    ForecastError                 base of everything a user can cause
    ├── ScenarioError             a scenario file is wrong (YAML, schema, values)
    ├── DataError                 a reference CSV in data/ is missing or malformed
    ├── FitError                  a trend fit cannot be made from the data given
    └── ExportError               an output cannot be written
        └── ArchiveError          the run archive (reports/archive.sqlite) cannot be read or written

A :class:`ScenarioError` carries a list of :class:`Problem` so that
``peakdata validate`` can report every mistake of a file at once.
"""
from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "ForecastError",
    "ScenarioError",
    "DataError",
    "FitError",
    "ExportError",
    "ArchiveError",
    "Problem",
]


@dataclass(frozen=True)
class Problem:
    """One mistake in an input file.

    Parameters
    ----------
    file : str
        Path of the file as the user named it.
    line, col : int
        1-based position of the offending value (0 when unknown).
    field : str
        Dotted path of the field, e.g. ``supply.sources.books.growth``.
    message : str
        What is wrong.
    hint : str
        How to fix it (may be empty).
    """

    file: str
    line: int
    col: int
    field: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.col}" if self.line else self.file
        text = f"{where} {self.field}: {self.message}" if self.field else f"{where} {self.message}"
        return f"{text} ({self.hint})" if self.hint else text


class ForecastError(Exception):
    """Base class of every error a user's input or environment can cause."""


@dataclass
class ScenarioError(ForecastError):
    """A scenario file cannot be used; ``problems`` lists every mistake found."""

    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


class DataError(ForecastError):
    """A reference CSV in ``data/`` is missing, malformed or lacks a source."""


class FitError(ForecastError):
    """A trend fit cannot be made (too few points, degenerate data)."""


class ExportError(ForecastError):
    """An output file cannot be written."""


class ArchiveError(ExportError):
    """The run archive cannot be read or written (not an archive, or from a newer peakdata)."""
