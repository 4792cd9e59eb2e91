"""On-disk cache of trend fits, so a report whose data did not change does not refit.

A fit is stored under a key that hashes its data rows (as the fit saw them), method and settings
together with what produced it (``forecast.fit.methods.fit_provenance``: peakdata's version, a
digest of the fit code, and the versions of numpy, scipy, pandas, statsmodels, Prophet and
cmdstanpy), so an upgrade or an edit of the fit code never serves a stale fit. Each is one
pickle file in ``$PEAKDATA_CACHE``, else ``$XDG_CACHE_HOME/peakdata/fits``, else
``~/.cache/peakdata/fits``. ``PEAKDATA_CACHE=off`` turns it off. A file that cannot be read is
ignored and refitted; one that cannot be written is skipped (the cache is an optimisation only).
"""
from __future__ import annotations

import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["DiskCache", "default_cache"]

_ENV = "PEAKDATA_CACHE"


class DiskCache:
    """Pickled fits in ``directory``, one file per key (``get``/``put``)."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.pickle"

    def get(self, key: str) -> Any | None:
        try:
            with open(self._path(key), "rb") as fh:
                return pickle.load(fh)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
            return None

    def put(self, key: str, value: Any) -> None:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".fit.", dir=path.parent)
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except OSError:
            return


def default_cache() -> DiskCache | None:
    """The user's fit cache (see the module docstring), or None when ``PEAKDATA_CACHE=off``."""
    env = os.environ.get(_ENV, "")
    if env.lower() in ("off", "0", "no", "false"):
        return None
    if env:
        return DiskCache(Path(env))
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return DiskCache(Path(base) / "peakdata" / "fits")
