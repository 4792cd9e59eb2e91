"""The project stands on its own: no file cites notes that a user of peakdata cannot open.

Code, tests, docs, data and scenarios cite papers, reports and pages (with year), or the project's own
docs (docs/derivations.md, docs/validation.md). They must not send a reader to working notes that
live outside the repository: "reference notes", ``cost.md``, ``data-supply.md``, ``updates-2026.md``,
``peers.md``, ``tooling.md``, a ``shared/`` folder, or a path on the machine the project was built on.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
THIS = Path(__file__).resolve()

# What a user receives: top-level files and these folders (reports/ holds generated output, of which
# only its README is shipped).
TOP_FILES = ("README.md", "Makefile", "pyproject.toml", ".gitignore", "reports/README.md")
FOLDERS = (".ci", "benchmarks", "data", "docs", "forecast", "scenarios", "tests")
SKIP_PARTS = {"__pycache__", ".pytest_cache", ".hypothesis", ".mypy_cache"}

FORBIDDEN = [
    (re.compile(r"reference(?:\s+\w+)?\s+notes?\b", re.I), "reference notes"),
    (re.compile(r"(?<![\w-])cost\.md\b", re.I), "cost.md"),  # our own data/README-costs.md does not match
    (re.compile(r"\bdata-supply\b", re.I), "data-supply.md"),
    (re.compile(r"\bupdates-2026\b", re.I), "updates-2026.md"),
    (re.compile(r"\b(?:peers|tooling|STYLE)\.md\b"), "peers.md / tooling.md / STYLE.md"),
    (re.compile(r"\bshared/|/work/"), "a shared/ folder or a machine path"),
    (re.compile(r"\bDS §"), "a section of data-supply.md"),
]


def shipped_files() -> list[Path]:
    files = [ROOT / name for name in TOP_FILES if (ROOT / name).is_file()]
    for folder in FOLDERS:
        for path in sorted((ROOT / folder).rglob("*")):
            if path.is_file() and not SKIP_PARTS.intersection(path.parts) and path.resolve() != THIS:
                files.append(path)
    return files


def offending_lines(text: str) -> list[tuple[int, str, str]]:
    """(line number, what it cites, the line) for every line that cites an unavailable note."""
    hits = []
    for number, line in enumerate(text.splitlines(), start=1):
        for pattern, what in FORBIDDEN:
            if pattern.search(line):
                hits.append((number, what, line.strip()[:120]))
    return hits


@pytest.mark.parametrize("sample, what", [
    ("Epoch value as quoted in the project reference notes", "reference notes"),
    ("whole-run MFU is lower (reference cost notes Sec. 4)", "reference notes"),
    ("H100 (cost.md §1.3)", "cost.md"),
    ("data-supply.md §4 table", "data-supply.md"),
    ("see updates-2026.md §3", "updates-2026.md"),
    ("house style in ../" + "shared/STYLE.md", "peers.md / tooling.md / STYLE.md"),
    ("facts in /work/" + "shared/reference/", "a shared/ folder or a machine path"),
    ("details in DS §5.1", "a section of data-supply.md"),
])
def test_each_pattern_catches_its_citation(sample: str, what: str) -> None:
    assert what in {w for _, w, _ in offending_lines(sample)}


@pytest.mark.parametrize("sample", [
    "See data/README-costs.md.",
    "Villalobos et al. 2024, Sec. 2.3; Muennighoff et al. 2023",
    "the `note` column says how a value was obtained",
    "docs/derivations.md §2 (Cosmopedia, Hugging Face 2024)",
])
def test_own_files_and_primary_sources_pass(sample: str) -> None:
    assert offending_lines(sample) == []


def test_no_shipped_file_cites_notes_a_user_cannot_open() -> None:
    files = shipped_files()
    names = {p.relative_to(ROOT).as_posix() for p in files}
    # The scan covers every kind of file a user gets; if the layout moves, this must be updated.
    assert {"README.md", "data/notable_models.csv", "scenarios/baseline.yaml", "docs/validation.md",
            "forecast/models/compute_cost.py", "tests/test_exhaustion.py"} <= names
    problems = []
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # binary files carry no citations
        for number, what, line in offending_lines(text):
            problems.append(f"{path.relative_to(ROOT)}:{number}: cites {what}: {line}")
    assert not problems, "cite the primary source (or docs/derivations.md) instead:\n" + "\n".join(problems)
