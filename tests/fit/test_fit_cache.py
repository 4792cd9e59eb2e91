"""The on-disk fit cache (forecast.io.fit_cache) never serves a fit made by other code or libraries.

Its key holds ``fit_provenance()``: peakdata's version, a digest of ``forecast/fit/*.py`` and the
versions of the libraries that compute a fit. These tests change each in turn and check that a
warm cache then misses and refits, and that an unchanged setup reads the fit back from disk.
"""
from __future__ import annotations

import importlib.metadata

import numpy as np
import pytest

from forecast.fit import methods
from forecast.fit.frontier import FitInput
from forecast.io.fit_cache import DiskCache


def _line() -> FitInput:
    q = np.arange(80, 120, dtype=float)
    z = 12 + 0.5 * (q - 100) / 4
    return FitInput("syn", 1, 120, q / 4 + 0.1, z, q, np.maximum.accumulate(z))


@pytest.fixture
def fresh(monkeypatch):
    methods.clear_cache()
    methods.fit_provenance.cache_clear()
    yield
    methods.clear_cache()
    methods.fit_provenance.cache_clear()


def _fit_twice(store: DiskCache) -> dict:
    methods.fit_method("ols", _line(), 4, store=store)
    methods.clear_cache()  # the in-process cache forgets; the disk keeps the fit
    methods.fit_method("ols", _line(), 4, store=store)
    return methods.cache_info()


def test_a_warm_disk_cache_serves_the_same_setup(tmp_path, fresh):
    store = DiskCache(tmp_path)
    info = _fit_twice(store)
    assert info["disk"] == 1 and info["misses"] == 0  # cleared counters: the second call read disk
    assert len(list(tmp_path.rglob("*.pickle"))) == 1


@pytest.mark.parametrize("library", methods.FIT_LIBRARIES)
def test_a_library_upgrade_misses_the_cache(tmp_path, monkeypatch, fresh, library):
    store = DiskCache(tmp_path)
    methods.fit_method("ols", _line(), 4, store=store)
    real = importlib.metadata.version
    monkeypatch.setattr(importlib.metadata, "version",
                        lambda name: "999.0" if name == library else real(name))
    methods.fit_provenance.cache_clear()
    methods.clear_cache()
    methods.fit_method("ols", _line(), 4, store=store)
    assert methods.cache_info()["misses"] == 1 and methods.cache_info()["disk"] == 0
    assert len(list(tmp_path.rglob("*.pickle"))) == 2


def test_an_edit_of_the_fit_code_misses_the_cache(tmp_path, monkeypatch, fresh):
    store = DiskCache(tmp_path)
    before = methods.fit_provenance()
    methods.fit_method("ols", _line(), 4, store=store)
    real = type(tmp_path).read_bytes
    monkeypatch.setattr(type(tmp_path), "read_bytes",
                        lambda self: real(self) + (b"# edited" if self.name == "methods.py" else b""))
    methods.fit_provenance.cache_clear()
    assert methods.fit_provenance() != before
    methods.clear_cache()
    methods.fit_method("ols", _line(), 4, store=store)
    assert methods.cache_info()["misses"] == 1


def test_provenance_names_the_package_and_every_library(fresh):
    text = methods.fit_provenance()
    assert text.startswith("peakdata ")
    for name in methods.FIT_LIBRARIES:
        assert f"; {name} " in text
