"""Reference CSVs in ``data/``: located, read once, checked for a ``source`` on every row.

Each CSV may begin with up to two ``# `` comment lines (title, units); its header has a ``source``
column. Units are documented in ``data/README.md``; this reader converts nothing because the files
already hold base units (tokens, FLOP, FLOP/s, USD, hours).
"""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from forecast.errors import DataError, Problem

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from forecast.io.yamlload import LoadedYaml
    from forecast.schema import Scenario

__all__ = ["DATA_FILE_COLUMNS", "DATA_FILE_KEYS", "data_dir", "data_file_hashes", "data_file_fields", "data_files",
           "read_reference", "reference_path", "row_line", "check_data_files", "check_references"]

_ENV = "PEAKDATA_DATA"


def data_dir() -> Path:
    """The folder of reference CSVs: ``$PEAKDATA_DATA``, else the project's ``data/``."""
    env = os.environ.get(_ENV)
    if env:
        return Path(env)
    here = Path(__file__).resolve().parents[2] / "data"
    if here.is_dir():
        return here
    return Path.cwd() / "data"


@lru_cache(maxsize=32)
def _read(path: str, stamp: tuple[int, int]) -> "pd.DataFrame":
    import pandas as pd

    with open(path, encoding="utf-8") as fh:
        lines = fh.read().splitlines()
    skip = 0
    while skip < len(lines) and lines[skip].startswith("#"):
        skip += 1
    try:
        frame = pd.read_csv(path, skiprows=skip, skipinitialspace=False)
    except (ValueError, pd.errors.ParserError) as exc:
        raise DataError(f"{path}: cannot read CSV: {exc}") from None
    name = Path(path).name
    if "source" not in frame.columns:
        raise DataError(f"{name}: no 'source' column (every number needs its paper, report or page)")
    frame.attrs["first_row_line"] = skip + 2  # 1-based file line of row 0: comments, header, then rows
    missing = frame.index[frame["source"].isna() | (frame["source"].astype(str).str.strip() == "")]
    if len(missing):
        line = row_line(frame, missing[0])
        raise DataError(f"{name}:{line}: row has no source (name the paper, report or page, and year)")
    return frame


def data_file_hashes(scenario: "Scenario", directory: Path | None = None) -> dict[str, str]:
    """SHA-256 of each CSV in ``data/`` the scenario reads (:func:`data_files`), by file name."""
    import hashlib

    return {name: hashlib.sha256(reference_path(name, directory).read_bytes()).hexdigest()
            for name in data_files(scenario)}


def reference_path(name: str, directory: Path | None = None) -> Path:
    """``data/<name>``, refused unless it resolves inside the data folder (``directory``, else
    :func:`data_dir`).

    Scenario fields that name a CSV are checked when the file is validated
    (:data:`forecast.schema.types.DataFile`); this checks again on the resolved path, symbolic links
    followed, for every read.

    Raises
    ------
    DataError
        When ``name`` is absolute or leads outside the data folder.
    """
    from forecast.schema.types import resolve_inside

    folder = directory or data_dir()
    if resolve_inside(folder, name) is None:
        raise DataError(f"reference file {name} is not inside the data folder {folder} (name a CSV relative "
                        f"to the data folder, e.g. human_share.csv, or set {_ENV} to the folder that holds it)")
    return folder / name


def row_line(frame: "pd.DataFrame", index: int) -> int:
    """1-based line in its CSV file of row ``index`` of a frame from :func:`read_reference`."""
    return int(index) + int(frame.attrs["first_row_line"])


def read_reference(name: str, directory: Path | None = None) -> "pd.DataFrame":
    """Read ``data/<name>`` (cached while the file is unchanged); a copy the caller may change.

    The cache is keyed on the file's absolute path, its modification time in nanoseconds and its
    size, so two data folders (the project's ``data/`` and an archived copy in a temporary folder)
    never share an entry, and a file rewritten in place is read again.
    """
    path = reference_path(name, directory)
    if not path.is_file():
        raise DataError(f"reference file {path} not found (hint: set {_ENV} or run from the project root)")
    info = path.stat()
    return _read(str(path.resolve()), (info.st_mtime_ns, info.st_size)).copy()


def data_files(scenario: "Scenario") -> tuple[str, ...]:
    """Names of the CSVs in ``data/`` that validating and running ``scenario`` reads, sorted.

    The rule, kept equal to every ``read_reference`` call of ``io`` and ``engine`` (a test runs each
    shipped scenario with the reader watched and compares):

    * a ``supply`` section reads ``text_stock.csv`` (stock components, their reference years);
    * historical or mixture demand with ``growth: fit`` reads its ``fit.data`` (default
      ``notable_models.csv``);
    * a ``cost`` section reads ``hardware.csv`` (peak FLOP/s, TDP, purchase price), plus
      ``loss_fits.csv`` when ``quality.loss.fit`` names a fit, and ``gpu_prices.csv`` when a rental
      price comes from a ``market`` or ``price_performance`` is ``fit`` (docs/trends.md);
    * ``supply.dynamics.human_share: data`` reads its ``human_share_data`` (default ``human_share.csv``);
    * a ``gap`` section reads ``licensable_stock.csv`` and ``text_stock.csv`` (the licensable routes).
    """
    names: set[str] = set()
    if scenario.supply is not None:
        names.add("text_stock.csv")
        dyn = scenario.supply.dynamics
        if dyn is not None and dyn.human_share == "data":
            names.add(dyn.human_share_data)
    if scenario.gap is not None:
        names.update(("licensable_stock.csv", "text_stock.csv"))
    demand = scenario.demand
    if (demand is not None and demand.method in ("historical", "mixture") and demand.historical is not None
            and demand.historical.uses_fit):
        names.add(demand.historical.fit.data)
    if scenario.cost is not None:
        names.add("hardware.csv")
        if scenario.cost.quality.loss.fit is not None:
            names.add("loss_fits.csv")
        compute = scenario.cost.compute
        if (compute.method == "rental" and compute.market is not None) or compute.price_performance == "fit":
            names.add("gpu_prices.csv")
    return tuple(sorted(names))


#: Dotted keys of a scenario that name a CSV in the data folder (:data:`forecast.schema.types.DataFile`).
DATA_FILE_KEYS = ("supply.dynamics.human_share_data", "demand.historical.fit.data")

#: Columns each scenario-named CSV must have, by what reads it: ``human_share`` the series of
#: ``supply.dynamics.human_share_data``; ``trend`` and ``trend_method`` the ``demand.historical.fit.data``
#: of a bootstrap fit and of a ``method`` fit (docs/trends.md). ``dates`` and ``numbers`` say how
#: each column is read; ``filled`` columns have a value on every row (an undisclosed dataset size is
#: a blank the trend fits expect).
DATA_FILE_COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    "human_share": {"dates": (), "numbers": ("year", "human_share"), "filled": ("year", "human_share")},
    "trend": {"dates": ("date",), "numbers": ("training_tokens",)},
    "trend_method": {"dates": ("date",), "numbers": ("training_tokens", "training_compute_flop"),
                     "text": ("model",)},
}


def data_file_fields(scenario: "Scenario") -> list[tuple[tuple[str, ...], str, str]]:
    """``(yaml path, file name, columns key of DATA_FILE_COLUMNS)`` of every CSV a scenario names
    that running it reads (the named part of :func:`data_files`)."""
    out = []
    dyn = scenario.supply.dynamics if scenario.supply is not None else None
    if dyn is not None and dyn.human_share == "data":
        out.append((("supply", "dynamics", "human_share_data"), dyn.human_share_data, "human_share"))
    demand = scenario.demand
    if (demand is not None and demand.method in ("historical", "mixture") and demand.historical is not None
            and demand.historical.uses_fit):
        fit = demand.historical.fit
        out.append((("demand", "historical", "fit", "data"), fit.data,
                    "trend" if fit.method is None else "trend_method"))
    return out


def check_data_files(scenario: "Scenario", doc: "LoadedYaml", directory: Path | None = None) -> list[Problem]:
    """The CSVs a scenario names (``human_share_data``, ``fit.data``): inside the data folder, present,
    readable as a reference CSV, with the columns the run reads, dates that parse and numbers that
    are numbers. Each problem is located at the field that names the file (or, for a default, at the
    field that asks for it)."""
    import warnings

    import pandas as pd

    folder = directory or data_dir()
    problems = []
    for path, name, what in data_file_fields(scenario):
        given = path in doc.locations
        # a default file name is located at what asks for it: human_share: data, or the fit block
        loc = doc.locate(path if given or what != "human_share" else path[:-1] + ("human_share",))
        default = "" if given else f" (the default of {path[-1]})"

        def problem(message: str, hint: str) -> Problem:
            return Problem(loc.file, loc.line, loc.col, ".".join(path), message, hint)

        try:
            frame = read_reference(name, directory)
        except DataError as exc:
            if "not inside the data folder" in str(exc):   # the name passed the schema: a symbolic link
                problems.append(problem(f"data file {name} resolves outside the data folder {folder}",
                                        f"put the file itself in the data folder, or set {_ENV} to the folder "
                                        "that holds it"))
            elif not (folder / name).is_file():
                close = _close_files(name, folder)
                where = f"put the CSV in the data folder, or set {_ENV} to the folder that holds it"
                problems.append(problem(f"data file {name}{default} not found in {folder}",
                                        f"did you mean '{close}'? Otherwise {where}" if close else where))
            else:
                problems.append(problem(f"data file {name}{default}: {str(exc).split(': ', 1)[-1]}",
                                        "see data/README.md for the form of a reference CSV"))
            continue
        need = DATA_FILE_COLUMNS[what]
        columns = [c for kind in ("dates", "numbers", "text") for c in need.get(kind, ())]
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            problems.append(problem(f"data file {name}{default} has no column {' or '.join(repr(c) for c in missing)}",
                                    f"it needs {', '.join(columns)} and source"))
            continue
        for column in need["dates"] + need["numbers"]:
            raw = frame[column]
            with warnings.catch_warnings():   # "could not infer format" when the first date is the bad one
                warnings.simplefilter("ignore", UserWarning)
                read = (pd.to_datetime(raw, errors="coerce") if column in need["dates"]
                        else pd.to_numeric(raw, errors="coerce"))
            bad = (raw.notna() | (column in need.get("filled", ()))) & read.isna()
            if bad.any():
                index = int(bad.to_numpy().nonzero()[0][0])
                kind = "a date such as 2024-07-01" if column in need["dates"] else "a number"
                wrong = f"{raw.iloc[index]!r} is not {kind}" if raw.notna().iloc[index] else "is empty"
                problems.append(problem(f"data file {name}{default} line {row_line(frame, index)}: {column} "
                                        f"{wrong}", f"fix that row of {name}"))
                break
    return problems


def _close_files(name: str, folder: Path) -> str | None:
    import difflib

    try:
        known = sorted(p.name for p in folder.glob("*.csv"))
    except OSError:
        return None
    close = difflib.get_close_matches(Path(name).name, known, n=1, cutoff=0.75)
    return close[0] if close else None


def _check_names(doc: "LoadedYaml", where: tuple[Any, ...], names: list[tuple[tuple[Any, ...], str]],
                 known: list[str], what: str, csv: str) -> list[Problem]:
    import difflib

    problems = []
    for path, value in names:
        if value not in known:
            loc = doc.locate(path)
            close = difflib.get_close_matches(value, known, n=1, cutoff=0.5)
            hint = f"did you mean '{close[0]}'?" if close else f"rows of data/{csv}: {', '.join(known)}"
            problems.append(Problem(loc.file, loc.line, loc.col, ".".join(map(str, path)),
                                    f"unknown {what} '{value}'", hint))
    return problems


def check_references(scenario: "Scenario", doc: "LoadedYaml", directory: Path | None = None) -> list[Problem]:
    """Names in the scenario that must match rows of the reference CSVs, and the CSVs it names
    (:func:`check_data_files`)."""
    problems: list[Problem] = check_data_files(scenario, doc, directory)
    if scenario.supply is not None:
        try:
            known = read_reference("text_stock.csv", directory)["component"].astype(str).tolist()
        except DataError as exc:
            return problems + [Problem(doc.files[0], 0, 0, "supply", str(exc))]
        names = [(("supply", "include", i), c) for i, c in enumerate(scenario.supply.include)]
        problems += _check_names(doc, ("supply",), names, known, "stock component", "text_stock.csv")
    if scenario.cost is not None:
        from forecast.schema.cost import accelerator_names

        try:
            known = read_reference("hardware.csv", directory)["accelerator"].astype(str).tolist()
        except DataError as exc:
            return problems + [Problem(doc.files[0], 0, 0, "cost", str(exc))]
        problems += _check_names(doc, ("cost",), accelerator_names(scenario.cost), known,
                                 "accelerator", "hardware.csv")
        from forecast.schema.cost import loss_fit_names

        fits = loss_fit_names(scenario.cost)
        if fits:
            known_fits = read_reference("loss_fits.csv", directory)["fit"].astype(str).tolist()
            problems += _check_names(doc, ("cost",), fits, known_fits, "loss fit", "loss_fits.csv")
        if not problems:
            problems += _check_hardware(scenario.cost, doc, directory)
    return problems


def _check_hardware(cost: Any, doc: "LoadedYaml", directory: Path | None) -> list[Problem]:
    """The accelerator's row must hold the figures the chosen method needs."""
    import math

    frame = read_reference("hardware.csv", directory).set_index("accelerator")
    row = frame.loc[cost.compute.accelerator]
    comp = cost.compute
    problems = []
    column = {"bf16": "peak_bf16_flops", "fp8": "peak_fp8_flops"}[comp.precision]
    needs = [(column, ("cost", "compute", "precision" if comp.precision != "bf16" else "accelerator"))]
    if comp.method == "amortised":
        needs.append(("tdp_w", ("cost", "compute", "method")))
    for col, path in needs:
        value = row.get(col)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            loc = doc.locate(path)
            problems.append(Problem(loc.file, loc.line, loc.col, ".".join(path),
                                    f"data/hardware.csv has no {col} for {comp.accelerator}",
                                    "choose another accelerator, precision or method"))
    return problems
