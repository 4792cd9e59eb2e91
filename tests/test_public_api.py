"""The curated public API: ``forecast.__all__`` is exactly what ``from forecast import *`` gives.

Also every module's ``__all__`` names things that exist, so a rename cannot leave a dangling export.
"""
from __future__ import annotations

import importlib
import pkgutil
import re
import subprocess
import sys
import types

import pytest

import forecast

#: PEP 440 public version (release, optional pre/post/dev segments).
PEP440 = re.compile(r"^\d+(\.\d+)*((a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?$")


def test_all_contains_version():
    assert "__version__" in forecast.__all__
    assert isinstance(forecast.__version__, str)
    assert PEP440.match(forecast.__version__), forecast.__version__


def test_all_has_no_duplicates():
    assert len(forecast.__all__) == len(set(forecast.__all__))


@pytest.mark.parametrize("name", forecast.__all__)
def test_every_exported_name_resolves(name):
    assert getattr(forecast, name) is not None


def test_star_import_gives_exactly_all():
    namespace: dict[str, object] = {}
    exec("from forecast import *", namespace)
    namespace.pop("__builtins__", None)
    assert set(namespace) == set(forecast.__all__)


def test_no_public_name_of_the_package_is_left_out_of_all():
    """A class or function of peakdata reachable as ``forecast.X`` is listed in ``__all__``."""
    for name in forecast.__all__:
        getattr(forecast, name)  # resolve the lazy names first
    ours = {name for name, value in vars(forecast).items()
            if not name.startswith("_") and not isinstance(value, types.ModuleType)
            and str(getattr(value, "__module__", "")).startswith("forecast")}
    assert ours <= set(forecast.__all__), ours - set(forecast.__all__)


def test_dir_lists_the_public_api():
    assert set(forecast.__all__) <= set(dir(forecast))


def test_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError):
        forecast.no_such_name  # noqa: B018
    with pytest.raises(ImportError):
        exec("from forecast import no_such_name", {})


def test_importing_the_package_stays_light():
    """``import forecast`` and the CLI module load no pandas or scipy (``peakdata --help`` is fast)."""
    code = ("import sys, forecast, forecast.cli.app\n"
            "print(sorted(m for m in ('pandas', 'scipy', 'statsmodels', 'prophet') if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_version_is_the_packaged_version():
    from forecast._version import __version__

    assert forecast.__version__ == __version__


#: Every module but ``forecast.__main__``, which runs the command line when imported.
MODULES = sorted(m.name for m in pkgutil.walk_packages(forecast.__path__, prefix="forecast.")
                 if m.name != "forecast.__main__")


def test_package_has_modules():
    assert {"forecast.io.yamlload", "forecast.io.scenario", "forecast.schema", "forecast.engine",
            "forecast.cli.app", "forecast.export.writers", "forecast.errors"} <= set(MODULES)


@pytest.mark.parametrize("module_name", MODULES)
def test_module_all_names_resolve(module_name):
    module = importlib.import_module(module_name)
    exported = getattr(module, "__all__", [])
    assert len(exported) == len(set(exported)), module_name
    missing = [name for name in exported if not hasattr(module, name)]
    assert missing == []


def test_the_documented_example_runs():
    """The usage shown in forecast/__init__.py, through the public names only."""
    from pathlib import Path

    baseline = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"
    item = forecast.load_scenario(baseline)
    assert isinstance(item, forecast.ScenarioFile)
    assert isinstance(item.scenario, forecast.Scenario)
    result = forecast.run(item.scenario, samples=300, provenance=item.provenance)
    assert isinstance(result, forecast.ForecastResult)
    assert list(result.event_summary()["event"]) == ["exhaustion"]


def test_error_tree():
    for name in ("ScenarioError", "DataError", "FitError", "ExportError"):
        assert issubclass(getattr(forecast, name), forecast.ForecastError)
    assert issubclass(forecast.ForecastError, Exception)
