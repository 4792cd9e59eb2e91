"""Shared test helpers: golden files and small scenario files written into ``tmp_path``.

Golden files live in ``tests/golden/``. ``pytest --update-golden`` (``make golden`` runs
``pytest tests/test_golden.py tests/test_docs.py --update-golden``) rewrites them, and the output quoted
in docs/ (tests/test_docs.py), from the current output; review the
diff before committing it.

Hypothesis profiles (registered here, before any test module is imported, so every ``@settings``
inherits from the one loaded):

* ``ci``, the default (``make test``, and CI, where ``CI`` is set): 200 examples per property,
  ``derandomize=True`` and no example database, so a green run on one machine is green on the next.
* ``dev``: the same tests with fresh random examples each run; ``--hypothesis-seed=N`` replays one.
* ``fuzz``: 10,000 examples per property, for an on-demand search (minutes, not seconds).

Choose one with ``HYPOTHESIS_PROFILE=fuzz`` or ``pytest --hypothesis-profile=fuzz``. A test that
fixes ``max_examples`` itself (the slow end-to-end properties) keeps its count in every profile.
"""
from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest
from hypothesis import settings

settings.register_profile("ci", max_examples=200, derandomize=True, database=None, deadline=None,
                          print_blob=True)
settings.register_profile("dev", max_examples=200, deadline=None, print_blob=True)
settings.register_profile("fuzz", max_examples=10_000, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or "ci")

# Tests never read or write the user's on-disk fit cache (forecast.io.fit_cache); a test that
# needs one points PEAKDATA_CACHE at its tmp_path. To run the whole suite against a disk cache
# (cold, then warm: the results must not change), name a folder in PEAKDATA_TEST_CACHE.
os.environ["PEAKDATA_CACHE"] = os.environ.get("PEAKDATA_TEST_CACHE") or "off"
# As the CLI does (forecast/cli/app.py): one BLAS thread for the many tiny matrix operations of fits.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parents[1]
GOLDEN_DIR = Path(__file__).resolve().parent / "golden"

#: A small valid scenario: one stock component, historical demand, 28 quarters.
MINI_SCENARIO = """\
name: mini
horizon: {start: 2024Q1, end: 2030Q4}
samples: 1000
seed: 7
supply:
  include: [indexed_web]
  repetition:
    multiplier: 2 to 5
demand:
  method: historical
  historical:
    current_largest: 3T to 13T
    reference: 2024Q1
    growth: 2x/yr to 3x/yr
"""


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite the files in tests/golden/ from the current output")


@pytest.fixture
def golden(request: pytest.FixtureRequest):
    """``golden(name, text)``: compare ``text`` with ``tests/golden/<name>`` (or rewrite it)."""
    update = request.config.getoption("--update-golden")

    def check(name: str, actual: str) -> None:
        path = GOLDEN_DIR / name
        if update:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(actual, encoding="utf-8", newline="\n")
        assert path.is_file(), f"no golden file {path}; create it with `make golden`"
        expected = path.read_text(encoding="utf-8")
        assert actual == expected, f"output differs from {path}; if intended, run `make golden`"

    return check


@pytest.fixture
def write_yaml(tmp_path: Path):
    """``write_yaml(name, text)``: write dedented ``text`` to ``tmp_path / name`` and return the path."""

    def write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8", newline="\n")
        return path

    return write


@pytest.fixture
def mini_text() -> str:
    """The text of :data:`MINI_SCENARIO`, a small valid scenario (line 8 is the multiplier)."""
    return MINI_SCENARIO


@pytest.fixture
def no_engine(monkeypatch):
    """Fail the test if the engine is called: a refusal must come before any computing."""
    import forecast.engine

    def boom(*args, **kwargs):
        raise AssertionError("engine.run was called")

    monkeypatch.setattr(forecast.engine, "run", boom)
    monkeypatch.setattr(forecast.engine, "headline_run", boom)


@pytest.fixture(scope="session")
def shipped_report(tmp_path_factory) -> Path:
    """``peakdata report`` of the shipped scenarios (the quarter's full run), 2026Q4, built once per
    session (tests/test_one_voice.py, tests/test_first_screen.py)."""
    from typer.testing import CliRunner

    from forecast.cli.app import app

    out = tmp_path_factory.mktemp("shipped")
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        result = CliRunner().invoke(app, ["report", "--quarter", "2026Q4", "--out", str(out),
                                          "--trend-methods", "none"])
    finally:
        os.chdir(cwd)
    assert result.exit_code == 0, result.output
    return out / "2026Q4"
