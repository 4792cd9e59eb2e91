"""Small annotated types shared by the scenario sections, compare files and sweep files.

Two of them name paths, and keep them where they belong:

* :data:`OutputName` (a scenario's, compare file's or sweep's ``name``) becomes one folder inside
  the output folder (``reports/<name>/``), so it is a plain folder name: letters, digits, ``.``,
  ``_`` and ``-``, starting with a letter or digit, at most :data:`MAX_NAME_LENGTH` characters.
  No ``/`` or ``\\``, no ``..``, never absolute, never hidden.
* :data:`DataFile` (``human_share_data``, ``fit.data``) names a CSV inside the data folder
  (``data/``, or ``$PEAKDATA_DATA``): a relative path with ``/`` between folders, no ``..``.

:func:`resolve_inside` is the check the readers and writers make again on the resolved path.
"""
from __future__ import annotations

import re
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from forecast.units import Quarter

__all__ = ["DataFile", "MAX_NAME_LENGTH", "NAME_PATTERN", "OutputName", "QuarterField", "data_file",
           "output_name", "resolve_inside"]


def _quarter(raw: Any) -> Quarter:
    if isinstance(raw, Quarter):
        return raw
    if isinstance(raw, int) and not isinstance(raw, bool):
        raise ValueError(f"write a quarter such as {raw}Q1, not a bare year")
    return Quarter.parse(str(raw))


#: A calendar quarter written ``2026Q4``.
QuarterField = Annotated[Quarter, BeforeValidator(_quarter),
                         Field(json_schema_extra={"type": "string", "pattern": r"^\d{4}\s?-?[Qq][1-4]$"})]

#: Characters of an output name: a letter or digit, then letters, digits, ``.``, ``_``, ``-``.
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
#: Longest output name [characters]: it also names files such as ``charts/cost_vs_share_<name>.png``,
#: which most file systems cap at 255 bytes.
MAX_NAME_LENGTH = 100
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_NAME_HINT = "a name is one plain folder name inside the output folder, e.g. my-view"


def _is_absolute(text: str) -> bool:
    return (text.startswith(("/", "\\", "~")) or PurePosixPath(text).is_absolute()
            or bool(PureWindowsPath(text).drive))


def output_name(raw: Any) -> str:
    """``raw`` if it is a plain folder name (module docstring), else ``ValueError("message; hint")``.

    >>> output_name("palmyra-x-004")
    'palmyra-x-004'
    >>> output_name("../../x")
    Traceback (most recent call last):
    ...
    ValueError: '../../x' climbs out of the output folder with '..'; a name is one plain folder name inside the output folder, e.g. my-view
    """
    if not isinstance(raw, str):
        hint = f'write it in quotes, e.g. name: "{raw}"' if isinstance(raw, (int, float)) else _NAME_HINT
        raise ValueError(f"expected a folder name, got {raw!r}; {hint}")
    if not raw:
        raise ValueError(f"a name cannot be empty; {_NAME_HINT}")
    if _is_absolute(raw):
        raise ValueError(f"'{raw}' is an absolute path, outside the output folder; {_NAME_HINT}")
    parts = re.split(r"[/\\]", raw)
    if ".." in parts:
        raise ValueError(f"'{raw}' climbs out of the output folder with '..'; {_NAME_HINT}")
    if len(parts) > 1:
        raise ValueError(f"'{raw}' holds a path separator ('/' or '\\'); {_NAME_HINT}")
    if raw.startswith("."):
        raise ValueError(f"'{raw}' starts with '.', which makes a hidden folder; {_NAME_HINT}")
    if not _NAME.fullmatch(raw):
        raise ValueError("a name may hold letters, digits, '.', '_' and '-', and starts with a letter "
                         f"or digit; {_NAME_HINT}")
    if len(raw) > MAX_NAME_LENGTH:
        raise ValueError(f"a name is at most {MAX_NAME_LENGTH} characters, this one {len(raw)}; {_NAME_HINT}")
    return raw


#: The ``name`` of a scenario, a compare file or a sweep: one folder inside the output folder.
OutputName = Annotated[str, BeforeValidator(output_name),
                       Field(min_length=1, max_length=MAX_NAME_LENGTH, json_schema_extra={"pattern": NAME_PATTERN})]

_DATA_HINT = ("name a CSV inside the data folder, e.g. human_share.csv: a file kept elsewhere goes "
              "into data/, or set PEAKDATA_DATA to its folder")


def data_file(raw: Any) -> str:
    """``raw`` if it names a file inside the data folder (module docstring), else ``ValueError``.

    >>> data_file("human_share.csv")
    'human_share.csv'
    >>> data_file("/etc/passwd")
    Traceback (most recent call last):
    ...
    ValueError: '/etc/passwd' is an absolute path, outside the data folder; name a CSV inside the data folder, e.g. human_share.csv: a file kept elsewhere goes into data/, or set PEAKDATA_DATA to its folder
    """
    if not isinstance(raw, str) or not raw.strip():
        raise ValueError(f"expected the name of a CSV file, got {raw!r}; {_DATA_HINT}")
    if "\x00" in raw:
        raise ValueError(f"{raw!r} holds a NUL character; {_DATA_HINT}")
    if _is_absolute(raw):
        raise ValueError(f"'{raw}' is an absolute path, outside the data folder; {_DATA_HINT}")
    if "\\" in raw:
        raise ValueError(f"'{raw}' holds a '\\'; write folders with '/', e.g. archive/notable_models.csv")
    parts = raw.split("/")
    if ".." in parts:
        raise ValueError(f"'{raw}' climbs out of the data folder with '..'; {_DATA_HINT}")
    if parts[-1] in ("", "."):
        raise ValueError(f"'{raw}' names a folder, not a file; {_DATA_HINT}")
    return raw


#: A CSV named relative to the data folder (``data/`` or ``$PEAKDATA_DATA``).
DataFile = Annotated[str, BeforeValidator(data_file), Field(min_length=1)]


def resolve_inside(root: str | Path, relative: str | Path) -> Path | None:
    """``root/relative`` resolved (symbolic links followed), if it lies strictly inside ``root``
    resolved; else None (an absolute ``relative`` is taken as it is).

    The readers and writers call this
    on every path they build from a name in an input file, so a name that slipped past validation
    (a scenario built in Python, a tampered archive) still cannot reach outside.

    >>> resolve_inside("/srv/reports", "baseline") == Path("/srv/reports/baseline").resolve()
    True
    >>> resolve_inside("/srv/reports", "../etc") is None, resolve_inside("/srv/reports", ".") is None
    (True, True)
    """
    base = Path(root).resolve()
    target = (Path(root) / relative).resolve()
    if target == base or base not in target.parents:
        return None
    return target
