"""Trend fits pinned in a JSON file, so a golden report does not depend on this machine's optimizer.

ETS (statsmodels' maximum likelihood) and Prophet (Stan's L-BFGS) are iterative optimizers: a
newer library, another BLAS build or another CPU can move the last digit of a fitted growth, and a
golden file would then fail on a machine that never wrote it. The golden report is therefore built
from fits stored beside it (``tests/golden/report/fits.json``): :class:`PinnedFits` stands in for
the on-disk fit cache (:mod:`forecast.io.fit_cache`) and answers every fit the report asks for.

Fits are looked up by a key a person can read — series, method, origin, steps, coverage, seed —
plus a digest of the data rounded to 9 significant digits, so a last-bit difference in ``log10``
between CPUs does not change the key. ``make golden`` (``--update-golden``) refits and rewrites the
file; without it, a fit that is not pinned fails the test with the key it was looking for.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

import numpy as np

from forecast.fit import methods
from forecast.fit.frontier import FitInput
from forecast.fit.methods import SeriesFit
from forecast.units import Quarter

_ARRAYS = ("t", "observed", "fitted", "residuals", "horizon", "forecast", "lower", "upper")


class NotPinned(LookupError):
    """The golden report asked for a fit that ``fits.json`` does not hold."""


def _digest(data: FitInput) -> str:
    h = hashlib.sha256()
    for arr in (data.events_t, data.events_z, data.quarters, data.frontier):
        h.update(np.array2string(np.asarray(arr, dtype=float), precision=9, separator=",",
                                 threshold=10**9, floatmode="maxprec").encode())
        h.update(b"|")
    return h.hexdigest()[:16]


def pinned_key(method: str, data: FitInput, steps: int, coverage: float, seed: int) -> str:
    """The key of a fit in ``fits.json`` (replaces ``forecast.fit.methods._key`` in the test)."""
    origin = Quarter.from_ordinal(data.origin) if hasattr(Quarter, "from_ordinal") else data.origin
    return (f"{data.series}|{method}|{origin}|dir={data.direction}|steps={steps}|cov={coverage!r}"
            f"|seed={seed}|data={_digest(data)}")


def _to_json(fit: SeriesFit) -> dict:
    out = {}
    for f in dataclasses.fields(fit):
        value = getattr(fit, f.name)
        if f.name == "calibration" and value is None:
            continue  # only raw fits are stored; calibration is recomputed from them
        if f.name in _ARRAYS:
            value = np.asarray(value).tolist()
        elif f.name == "as_of":
            value = str(value)
        out[f.name] = value
    return out


def _from_json(row: dict) -> SeriesFit:
    kwargs = dict(row)
    for name in _ARRAYS:
        kwargs[name] = np.asarray(kwargs[name], dtype=int if name == "horizon" else float)
    kwargs["as_of"] = Quarter.parse(kwargs["as_of"])
    return SeriesFit(**kwargs)


class PinnedFits:
    """A fit store (``get``/``put`` like :class:`forecast.io.fit_cache.DiskCache`) backed by JSON.

    A miss is fitted by the caller: in ``record`` mode the fit is stored; otherwise storing it
    raises :class:`NotPinned` (a fit the library refuses, too few points say, is refused the same
    way on every machine and needs no pin).
    """

    def __init__(self, path: Path, record: bool) -> None:
        self.path = Path(path)
        self.record = record
        self.fits: dict[str, dict] = {}
        if self.path.is_file() and not record:
            self.fits = json.loads(self.path.read_text(encoding="utf-8"))

    def get(self, key: str) -> SeriesFit | None:
        row = self.fits.get(key)
        return _from_json(row) if row is not None else None

    def put(self, key: str, fit: SeriesFit) -> None:
        if not self.record:
            raise NotPinned(f"fit {key} is not pinned in {self.path.name}; run `make golden`")
        self.fits[key] = _to_json(fit)

    def save(self) -> None:
        text = json.dumps(dict(sorted(self.fits.items())), indent=1, allow_nan=True)
        self.path.write_text(text + "\n", encoding="utf-8", newline="\n")


def install(monkeypatch, store: PinnedFits) -> None:
    """Make every trend fit of this test come from ``store``."""
    import forecast.io.fit_cache as fit_cache

    methods.clear_cache()
    monkeypatch.setattr(methods, "_key", pinned_key)
    monkeypatch.setattr(fit_cache, "default_cache", lambda: store)
