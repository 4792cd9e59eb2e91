"""The Model sheet of the workbook: the point estimate as live formulas over the named cells of Inputs.

Every input and setting cell of the Inputs sheet gets an Excel defined name ``<scenario>_<dotted_name>``
(:class:`WorkbookBook` keeps them); :class:`ModelBlock` writes one scenario's point model over them, in
the spirit of the FAST standard: one formula per row copied across the quarters, no number typed
into a formula (the only literals are the 1 of "1 − share", FALSE for an exact MATCH and the text of
labels), each formula carrying the value Python computed.
"""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Iterable

import numpy as np

from forecast.export.xlsx import XlsxBook, column_name
from forecast.outputs import XLSX_FORMATS
from forecast.result import ForecastResult, PointEstimate

__all__ = ["CREATED", "MODEL_SHEET", "ModelBlock", "WorkbookBook", "write_model_sheet"]

MODEL_SHEET = "Model"
#: Width of a quarter's column [characters]: "1,679.2T tokens" and "$12,345.67bn" fit.
QUARTER_WIDTH = 15
#: Fixed creation date written into the workbook's properties, so the bytes do not depend on the clock.
CREATED = datetime(2024, 1, 1)


def _name_part(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", text)


class _Names:
    """Excel defined names, one per input and setting cell: ``<scenario>_<dotted_name>``."""

    def __init__(self) -> None:
        self.used: set[str] = set()
        self.prefixes: dict[str, str] = {}

    def prefix(self, scenario: str) -> str:
        if scenario not in self.prefixes:
            base = _name_part(scenario)
            if not re.match(r"[A-Za-z_]", base):
                base = "s_" + base
            candidate, k = base, 2
            while candidate.lower() in {p.lower() for p in self.prefixes.values()}:
                candidate, k = f"{base}_{k}", k + 1
            self.prefixes[scenario] = candidate
        return self.prefixes[scenario]

    def name(self, scenario: str, dotted: str) -> str:
        return f"{self.prefix(scenario)}_{_name_part(dotted)}"


class WorkbookBook(XlsxBook):
    """The export workbook: its fixed title, author and date, and the defined names of the Model sheet."""

    def __init__(self) -> None:
        super().__init__("peakdata forecasts and point model", CREATED, author="peakdata")
        self.names = _Names()
        #: (scenario, dotted name) -> defined name, for the Model sheet
        self.cells: dict[tuple[str, str], str] = {}
        self.formula_count = 0


class ModelBlock:
    """Writes one scenario's point model onto the Model sheet."""

    FIRST = 3  # column D holds the first quarter; C holds values that are not per quarter

    def __init__(self, book: WorkbookBook, ws: Any, result: ForecastResult, row: int) -> None:
        self.book, self.ws, self.result, self.row = book, ws, result, row
        self.point: PointEstimate = result.point
        self.refs: dict[str, str] = {}  # row key -> "$D$12"-style anchor (row number) for formulas

    def n(self, dotted: str) -> str:
        return self.book.cells[(self.result.scenario, dotted)]

    def formula(self, row: int, col: int, text: str, value: Any, num: str | None) -> None:
        style = self.book.style(num, "formula")
        if isinstance(value, (bool, np.bool_)):
            self.ws.write_formula(row, col, text, style, bool(value))
        elif isinstance(value, str):
            self.ws.write_formula(row, col, text, style, value)
        elif np.isfinite(value):
            self.ws.write_formula(row, col, text, style, float(value))
        else:  # an unreachable target: infinite tokens, nan costs; Excel's own value for them is an error
            self.ws.write_formula(row, col, text, style, "#NUM!")
        self.book.formula_count += 1

    def label(self, label: str, unit: str) -> None:
        self.ws.write_string(self.row, 0, label)
        self.ws.write_string(self.row, 1, unit)

    def per_quarter(self, key: str, label: str, unit: str, template: str, values: Iterable[Any],
                    num: str | None) -> None:
        """One formula per row, copied across the quarters: ``{c}`` is the column, ``{p}`` the previous one."""
        self.label(label, unit)
        for i, value in enumerate(values):
            col = self.FIRST + i
            text = template.format(c=column_name(col), p=column_name(col - 1) if col > self.FIRST else "", r=self.row + 1)
            self.formula(self.row, col, text, value, num)
        self.refs[key] = str(self.row + 1)
        self.row += 1

    def per_quarter_first(self, key: str, label: str, unit: str, first: str, template: str,
                          values: Iterable[Any], num: str | None) -> None:
        """As :meth:`per_quarter`, with its own formula in the first quarter (a recursion's start)."""
        self.label(label, unit)
        for i, value in enumerate(values):
            col = self.FIRST + i
            text = (first if i == 0 else template).format(c=column_name(col), p=column_name(col - 1) if i else "", r=self.row + 1)
            self.formula(self.row, col, text, value, num)
        self.refs[key] = str(self.row + 1)
        self.row += 1

    def scalar(self, key: str, label: str, unit: str, text: str, value: Any, num: str | None) -> None:
        self.label(label, unit)
        self.formula(self.row, 2, text, value, num)
        self.refs[key] = f"$C${self.row + 1}"
        self.row += 1

    def write(self) -> int:
        ws, p, result = self.ws, self.point, self.result
        ws.write_string(self.row, 0, f"Scenario {result.scenario}: point estimate", self.book.style(role="title"))
        self.row += 1
        if p.series:
            self._supply_demand()
        if p.mixes is not None:
            self._cost()
        return self.row

    def _supply_demand(self) -> None:
        """Stock and demand per quarter, the first quarter demand reaches the stock, and their chart."""
        quarter_row, years = self._quarter_ends()
        self._stock(years)
        self._demand(years)
        self._exhaustion(quarter_row)
        self._chart(quarter_row, years, len(self.point.quarters))
        self.row += 1

    def _quarter_ends(self) -> tuple[int, int]:
        """The header of quarters and the row of their ends [yr]; returns both rows (1-based)."""
        p = self.point
        self.book.header(self.ws, self.row, ["quarter", "unit", ""] + list(p.quarters))
        quarter_row = self.row + 1
        self.row += 1
        yr = XLSX_FORMATS["yr"]
        self.label("quarter end", "yr")
        for i, value in enumerate(p.series["years"]):
            col = self.FIRST + i
            text = (f"={self.n('horizon.first_quarter_end')}" if i == 0
                    else f"={column_name(col - 1)}{self.row + 1}+{self.n('years_per_quarter')}")
            self.formula(self.row, col, text, value, yr)
        years = self.row + 1
        self.row += 1
        return quarter_row, years

    def _stock(self, years: int) -> None:
        """Usable stock per component, the repetition multiplier and the effective stock."""
        p, scen = self.point, self.result.scenario
        tokens = XLSX_FORMATS["tokens"]
        parts = []
        scenario_supply = self.result_supply()
        filter_yield = (scen, "supply.filter_yield") in self.book.cells
        for component in self.result_point_components():
            b = f"supply.sources.{component}"
            quality = self.n("supply.filter_yield") if filter_yield else self.n(b + ".quality")
            self.per_quarter(f"usable.{component}", f"usable stock: {component}", "tokens",
                             f"={self.n(b + '.stock')}*{self.n(b + '.growth')}^({{c}}${years}-"
                             f"{self.n(b + '.reference_year')})*{quality}",
                             p.series[f"usable.{component}"], tokens)
            parts.append(self.refs[f"usable.{component}"])
        rep = "supply.repetition."
        if (scen, rep + "multiplier") in self.book.cells:
            mult = f"{self.n(rep + 'multiplier')}"
            self.scalar("multiplier", "repetition multiplier", "x", f"={mult}",
                        p.scalars["repetition_multiplier"], XLSX_FORMATS["ratio"])
        else:
            e, r = self.n(rep + "epochs"), self.n(rep + "decay_constant")
            self.scalar("multiplier", "repetition multiplier (Muennighoff et al. 2023, eq. 5)", "x",
                        f"=1+{r}*(1-EXP(-({e}-1)/{r}))", p.scalars["repetition_multiplier"], XLSX_FORMATS["ratio"])
        if any(k.startswith("human.") for k in p.series):
            self._dynamic_stock(parts, years, scenario_supply)
        else:
            total = "+".join(f"{{c}}{r}" for r in parts)
            self.per_quarter("stock", "effective stock", "tokens", f"=({total})*{self.refs['multiplier']}",
                             p.series["stock"], tokens)

    def _demand(self, years: int) -> None:
        """Demand of the historical trend and of the compute path (with its ceiling), and the mixture."""
        p, scen = self.point, self.result.scenario
        tokens = XLSX_FORMATS["tokens"]
        dem = "demand."
        if "demand.historical" in p.series:
            h = dem + "historical."
            over = f"*SQRT({self.n(h + 'overtraining')})" if (scen, h + "overtraining") in self.book.cells else ""
            start = f"{self.n(h + 'current_largest')}{over}"
            trend = f"{start}*{self.n(h + 'growth')}^({{c}}${years}-{self.n(h + 'reference_year')})"
            label = "demand: historical trend"
            if "demand.compute" in p.series and (scen, dem + "compute.limit.ceiling") in self.book.cells:
                # a compute ceiling caps this path too: up to the dataset the ceiling's compute can
                # use, D_cap = sqrt(k·r·C_cap/6), reached at t*, then √g_after a year (Sevilla et al. 2024)
                c = dem + "compute."
                cap = (f"SQRT({self.n(c + 'overtraining')}*{self.n(c + 'tokens_per_param')}*"
                       f"{self.n(c + 'limit.ceiling')}/{self.n('flop_per_param_token')})")
                reached = f"{self.n(h + 'reference_year')}+LN({cap}/({start}))/LN({self.n(h + 'growth')})"
                trend = (f"IF({trend}<={cap},{trend},{cap}*SQRT({self.n(c + 'limit.growth_after')})^"
                         f"({{c}}${years}-({reached})))")
                label = "demand: historical trend with the compute ceiling"
            self.per_quarter("hist", label, "tokens", f"={trend}", p.series["demand.historical"], tokens)
        if "demand.compute" in p.series:
            c = dem + "compute."
            path = f"{self.n(c + 'current_largest')}*{self.n(c + 'growth')}^({{c}}${years}-{self.n(c + 'reference_year')})"
            label = "demand: compute path, sqrt(k·r·C/6)"
            if (scen, c + "limit.ceiling") in self.book.cells:
                # growth slows at the ceiling (Sevilla et al. 2024): C = cap·g_after^(t − t*) past it
                cap, after = self.n(c + "limit.ceiling"), self.n(c + "limit.growth_after")
                reached = f"LN({cap}/{self.n(c + 'current_largest')})/LN({self.n(c + 'growth')})"
                path = (f"IF({path}<={cap},{path},{cap}*{after}^({{c}}${years}-{self.n(c + 'reference_year')}"
                        f"-{reached}))")
                label = "demand: compute path with a ceiling, sqrt(k·r·C/6)"
            self.per_quarter("comp", label, "tokens",
                             f"=SQRT({self.n(c + 'overtraining')}*{self.n(c + 'tokens_per_param')}*"
                             f"{path}/{self.n('flop_per_param_token')})",
                             p.series["demand.compute"], tokens)
        if self.point.methods.get("demand") == "mixture":
            w = self.n("demand.historical_weight")
            text = f"={w}*{{c}}{self.refs['hist']}+(1-{w})*{{c}}{self.refs['comp']}"
        else:
            text = f"={{c}}{self.refs['hist' if 'hist' in self.refs else 'comp']}"
        self.per_quarter("demand", "demand (largest run)", "tokens", text, p.series["demand"], tokens)

    def _exhaustion(self, quarter_row: int) -> None:
        """Demand ≥ stock per quarter, and the first quarter it holds ("after <last quarter>" if none)."""
        p = self.point
        first, last = column_name(self.FIRST), column_name(self.FIRST + len(p.quarters) - 1)
        flags = p.series["demand"] >= p.series["stock"]
        self.per_quarter("flag", "demand ≥ stock", "", f"={{c}}{self.refs['demand']}>={{c}}{self.refs['stock']}",
                         [bool(v) for v in flags], None)
        end = p.exhaustion or f"after {p.quarters[-1]}"
        self.scalar("exhaustion", "first quarter point demand ≥ point stock", "quarter",
                    f'=IFERROR(INDEX({first}{quarter_row}:{last}{quarter_row},MATCH(TRUE,'
                    f'{first}{self.refs["flag"]}:{last}{self.refs["flag"]},FALSE)),"after "&{last}{quarter_row})',
                    end, None)

    def result_supply(self) -> dict[str, bool]:
        """Which stock dynamics the scenario's inputs name: human_share, consent_erosion, licensed_additions."""
        scen = self.result.scenario
        return {k: (scen, f"supply.dynamics.{k}") in self.book.cells
                for k in ("human_share", "consent_erosion", "licensed_additions")}

    def _dynamic_stock(self, parts: list[str], years: int, given: dict[str, bool]) -> None:
        """Human flow × consent factor + licensed additions (docs/derivations.md §8), one row per term."""
        p, tokens = self.point, XLSX_FORMATS["tokens"]
        mult, first_end = self.refs["multiplier"], self.n("horizon.first_quarter_end")
        scen = self.result.scenario
        dated = [f"supply.dynamics.human_share.{q}" for q in p.quarters]
        if (scen, dated[0]) in self.book.cells:  # a dated series from data/ (settings on Inputs), per quarter
            self.label("human share of new text (data, quarter middle)", "fraction")
            values = p.settings.set_index("name")["value"]
            for i, name in enumerate(dated):
                self.formula(self.row, self.FIRST + i, f"={self.n(name)}", float(values[name]), XLSX_FORMATS["fraction"])
            share = f"{{c}}${self.row + 1}"
            self.row += 1
        elif given["human_share"]:
            share = self.n("supply.dynamics.human_share")
        else:
            share = "1"
        dynamic = [k.split(".", 1)[1] for k in p.series if k.startswith("human.")]
        humans, others = [], []
        for component, row in zip(self.result_point_components(), parts):
            if component not in dynamic:
                others.append(row)
                continue
            self.per_quarter_first(f"human.{component}", f"human stock: {component} (effective)", "tokens",
                                   f"={{c}}{row}*{mult}",
                                   f"={{p}}{{r}}+{share}*({{c}}{row}-{{p}}{row})*{mult}",
                                   p.series[f"human.{component}"], tokens)
            humans.append(self.refs[f"human.{component}"])
        if given["consent_erosion"]:
            self.per_quarter("consent", "consent factor (1 − r)^τ", "fraction",
                             f"=(1-{self.n('supply.dynamics.consent_erosion')})^({{c}}${years}-{first_end})",
                             _consent(p), XLSX_FORMATS["fraction"])
            consent = f"{{c}}${self.refs['consent']}*"
        else:
            consent = ""
        terms = [f"{consent}{{c}}{h}" for h in humans]
        if others:
            terms.append("(" + "+".join(f"{{c}}{r}" for r in others) + f")*{mult}")
        if given["licensed_additions"]:
            self.per_quarter("licensed", "licensed additions l·τ (effective)", "tokens",
                             f"={self.n('supply.dynamics.licensed_additions')}*({{c}}${years}-{first_end})*{mult}",
                             p.series["stock_licensed"], tokens)
            terms.append(f"{{c}}{self.refs['licensed']}")
        self.per_quarter("stock", "effective stock: human flow × consent + licensed", "tokens",
                         "=" + "+".join(terms), p.series["stock"], tokens)

    def result_point_components(self) -> list[str]:
        return [k.split(".", 1)[1] for k in self.point.series if k.startswith("usable.")]

    def _chart(self, quarter_row: int, years_row: int, q: int) -> None:
        """Point stock and demand against the quarter's end [yr] on a numeric axis, labelled every two
        years: a category axis of 68 quarter labels is drawn with its labels over each other in LibreOffice."""
        chart = self.book.wb.add_chart({"type": "scatter", "subtype": "straight"})
        first, last = self.FIRST, self.FIRST + q - 1
        r_y = years_row - 1
        for key, name, colour in (("stock", "point stock", "#1F77B4"), ("demand", "point demand", "#D62728")):
            r = int(self.refs[key]) - 1
            chart.add_series({"name": name, "categories": [MODEL_SHEET, r_y, first, r_y, last],
                              "values": [MODEL_SHEET, r, first, r, last], "line": {"color": colour, "width": 2},
                              "marker": {"type": "none"}})
        years = self.point.series["years"]
        chart.set_title({"name": f"{self.result.scenario}: point stock and demand"})
        chart.set_y_axis({"name": "tokens (log scale)", "log_base": 10, "num_format": "0.E+00"})
        chart.set_x_axis({"name": "year (quarter end)", "min": float(np.floor(years[0])),
                          "max": float(np.ceil(years[-1])), "major_unit": 2, "num_format": "0"})
        chart.set_legend({"position": "bottom"})
        chart.set_size({"width": 720, "height": 320})
        self.ws.insert_chart(self.row + 1, 0, chart)
        self.row += 18

    def _cost(self) -> None:
        p, scen = self.point, self.result.scenario
        sc = p.scalars
        methods = p.methods
        money, flop = XLSX_FORMATS["usd"], XLSX_FORMATS["flop"]
        self.book.header(self.ws, self.row, ["priced run", "unit", "value"])
        self.row += 1
        self.scalar("N", "active parameters N", "count", f"={self.n('cost.run.params')}", sc["params"], XLSX_FORMATS["params"])
        self.scalar("D", "training tokens D", "tokens", f"={self.n('cost.run.tokens')}", sc["tokens"], XLSX_FORMATS["tokens"])
        r = self.refs
        self.scalar("flop", "training compute 6·N·D", "FLOP", f"={self.n('flop_per_param_token')}*{r['N']}*{r['D']}",
                    sc["training_flop"], flop)
        comp = "cost.compute."
        self.scalar("factor", "price-performance factor at the run date", "ratio",
                    f"={self.n(comp + 'price_performance')}^({self.n(comp + 'price_reference_year')}-"
                    f"{self.n('cost.run.date_year')})", sc["price_factor"], XLSX_FORMATS["number"])
        if methods["compute"] == "rental":
            hourly = f"={self.n(comp + 'price_per_gpu_hour')}*{r['factor']}"
        else:
            a = comp + "amortised."
            hourly = (f"=({self.n(a + 'chip_price')}*{self.n(a + 'server_overhead')}/(1-{self.n(a + 'interconnect_share')})"
                      f"/({self.n(a + 'amortisation_years')}*{self.n('hours_per_year')})"
                      f"+{self.n(comp + 'tdp_w')}/{self.n('watts_per_kilowatt')}*{self.n(a + 'server_power_ratio')}"
                      f"*{self.n(a + 'tdp_fraction')}*{self.n(a + 'pue')}*{self.n(a + 'electricity_price')})*{r['factor']}")
        self.scalar("hourly", "price per GPU-hour at the run date", "USD/GPU-hour", hourly, sc["usd_per_gpu_hour"],
                    XLSX_FORMATS["price"])
        self.scalar("gpuh", "GPU-hours", "GPU-hours",
                    f"={r['flop']}/({self.n(comp + 'peak_flops')}*{self.n(comp + 'mfu')}*{self.n('seconds_per_hour')})",
                    sc["gpu_hours"], XLSX_FORMATS["hours"])
        self.scalar("compute", "compute cost", "USD", f"={r['gpuh']}*{r['hourly']}", sc["compute"], money)
        h, s_ = "cost.human_data.", "cost.synthetic_data."
        tpm = self.n("tokens_per_million")
        per = XLSX_FORMATS["per_token"]
        self.scalar("human_pt", "human text, per token", "USD/token",
                    f"=({self.n(h + 'license_per_mtok')}+{self.n(h + 'processing_per_mtok')})/{tpm}",
                    sc["human_per_token"], per)
        self.scalar("expert_pt", "expert-written text, per token", "USD/token", f"={self.n(h + 'expert_per_mtok')}/{tpm}",
                    sc["expert_per_token"], per)
        acc = self.n(s_ + "acceptance_rate")
        prompt = self.n(s_ + "prompt_tokens_per_output_token")
        if methods["synthetic_data"] == "api":
            gen = (f"=({self.n(s_ + 'output_price_per_mtok')}+{prompt}*{self.n(s_ + 'input_price_per_mtok')})"
                   f"/{acc}/{tpm}")
        else:
            gen = (f"={self.n('inference_flop_per_param_token')}*{self.n(s_ + 'generator_params')}*(1+{prompt})/{acc}"
                   f"/({self.n(comp + 'peak_flops')}*{self.n(s_ + 'utilisation')}*{self.n('seconds_per_hour')})"
                   f"*{r['hourly']}")
        self.scalar("gen_pt", "synthetic generation, per accepted token (÷ acceptance)", "USD/token", gen,
                    sc["generation_per_token"], per)
        if (scen, s_ + "judge_share") in self.book.cells:
            self.scalar("ver_pt", "verification, per accepted token (÷ acceptance)", "USD/token",
                        f"={self.n(s_ + 'judge_price_per_mtok')}*{self.n(s_ + 'judge_share')}/{acc}/{tpm}",
                        sc["verification_per_token"], per)
        else:  # no paid judge in this scenario: a zero, as for a share the mix does not name
            self.label("verification, per accepted token (no paid judge)", "USD/token")
            self.ws.write_number(self.row, 2, 0.0, self.book.style(per))
            self.refs["ver_pt"] = f"$C${self.row + 1}"
            self.row += 1
        self.row += 1
        self._mix_table(scen)

    def _mix_table(self, scen: str) -> None:
        ws, r = self.ws, self.refs
        columns = ["mix", "synthetic share", "expert share", "human tokens", "synthetic tokens", "human data",
                   "expert data", "synthetic generation", "verification", "data cost", "compute cost", "total cost"]
        self.book.header(ws, self.row, columns)
        self.book.fit_row(ws, self.row, [(c, QUARTER_WIDTH) for c in columns[3:]], bold=True)
        self.row += 1
        money, tokens, pct = XLSX_FORMATS["usd"], XLSX_FORMATS["tokens"], XLSX_FORMATS["fraction"]
        mix = "cost.run.mix."
        unique = "cost.synthetic_data.unique_tokens"
        # repeated synthetic data: generation and verification paid on the unique tokens only
        generated = f"MIN({self.n(unique)},E{{x}})" if (scen, unique) in self.book.cells else "E{x}"
        for item in self.point.mixes.itertuples(index=False):
            x = self.row + 1
            label = "the priced run's mix" if item.mix == "run" else f"synthetic share {item.mix.rsplit('.', 1)[1]}"
            ws.write_string(self.row, 0, label)
            if item.mix == "run":
                share = self._share_formula("synthetic", ("human", "expert"))
                expert = self._share_formula("expert", ("human", "synthetic"))
                if share is None:
                    ws.write_number(self.row, 1, 0.0, self.book.style(pct))
                else:
                    self.formula(self.row, 1, share, item.synthetic_share, pct)
                if expert is None:
                    ws.write_number(self.row, 2, 0.0, self.book.style(pct))
                else:
                    self.formula(self.row, 2, expert, item.expert_share, pct)
                run_row = x
            else:
                self.formula(self.row, 1, f"={self.n(item.mix)}", item.synthetic_share, pct)
                self.formula(self.row, 2, f"=MIN($C${run_row},1-B{x})", item.expert_share, pct)
            cells = [
                (3, f"={r['D']}*(1-B{x})-{r['D']}*C{x}", item.human_tokens, tokens),
                (4, f"={r['D']}*B{x}", item.synthetic_tokens, tokens),
                (5, f"=D{x}*{r['human_pt']}", item.human_data, money),
                (6, f"={r['D']}*C{x}*{r['expert_pt']}", item.expert_data, money),
                (7, f"={generated.format(x=x)}*{r['gen_pt']}", item.synthetic_generation, money),
                (8, f"={generated.format(x=x)}*{r['ver_pt']}", item.verification, money),
                (9, f"=SUM(F{x}:I{x})", item.data, money),
                (10, f"={r['compute']}", item.compute, money),
                (11, f"=K{x}+J{x}", item.total, money),
            ]
            for col, text, value, num in cells:
                self.formula(self.row, col, text, value, num)
            self.row += 1
        self.row += 1

    def _share_formula(self, kind: str, others: tuple[str, str]) -> str | None:
        scen, mix = self.result.scenario, "cost.run.mix."
        spec = self.point.methods[f"mix.{kind}"]
        if spec == "rest":
            given = [self.n(mix + o) for o in others if (scen, mix + o) in self.book.cells]
            return "=1-" + "-".join(given) if given else None
        if spec == "given":
            return f"={self.n(mix + kind)}"
        return None


def _consent(p: PointEstimate) -> np.ndarray:
    """The point estimate's consent factor per quarter, (1 − r)^τ, for the cached values."""
    r = float(p.values["supply.dynamics.consent_erosion"])
    years = np.asarray(p.series["years"], dtype=float)
    return (1.0 - r) ** (years - years[0])


def _plain_formulas(ws: Any) -> None:
    """Skip XlsxWriter's per-formula search for Excel 365 functions on the Model sheet.

    Its ``_prepare_formula`` runs some 30 regular expressions over every formula to add ``_xlfn.``
    prefixes to functions added after Excel 2007 (XLOOKUP, FILTER, ...); the Model sheet uses none
    (SQRT, EXP, MIN, SUM, INDEX, MATCH, IFERROR), and the search took three quarters of the export
    time at 100 scenarios. Should a later XlsxWriter drop the method, the override goes unused and
    the export is only slower. The LibreOffice test recalculates every formula written this way.
    """
    if hasattr(ws, "_prepare_formula"):
        ws._prepare_formula = lambda formula, expand_future_functions=False: formula.lstrip("=")


def write_model_sheet(book: WorkbookBook, results: list[ForecastResult]) -> None:
    """The Model sheet: each result's point model (:class:`ModelBlock`), then the count of formulas."""
    ws = book.wb.add_worksheet(MODEL_SHEET)
    _plain_formulas(ws)
    ws.set_column(0, 0, 52)
    ws.set_column(1, 1, 13)
    ws.set_column(2, 2, 14)
    ws.set_column(3, 300, QUARTER_WIDTH)
    ws.freeze_panes(0, 3)
    # 68 quarters do not fit one page wide at a readable size: the labels repeat on every page across
    book.print_setup(ws, header_rows=0, fit_width=False, repeat_columns=3)
    ws.set_print_scale(50)
    row = 0
    for result in results:
        if result.point is None:
            continue
        row = ModelBlock(book, ws, result, row).write() + 1
    ws.write_string(row + 1, 0, f"{book.formula_count} formulas on this sheet")
