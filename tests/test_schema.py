"""Tests of forecast/schema/: the uncertain-quantity forms and the scenario model.

Every form listed in the docstring of ``forecast/schema/uncertain.py`` is parsed and checked against
the distribution it must mean. Interval forms are checked by their defining property (the quantiles
at the ends of the central interval, computed with scipy.stats here), not against numbers copied
from the code. Scenario-level errors go through ``load_scenario`` so that the line, field and hint a
planner sees are checked too.
"""
from __future__ import annotations

import math

import pytest
import scipy.stats
from pydantic import TypeAdapter, ValidationError

from forecast.errors import ScenarioError
from forecast.io.scenario import load_scenario, scenario_hash, vocabulary
from forecast.models import sampling
from forecast.schema import MAX_QUARTERS, MAX_SAMPLES, Scenario
from forecast.schema.uncertain import Flop, Fraction, Growth, Number, Tokens, describe

T = 1e12


def parse(kind_type, raw):
    return TypeAdapter(kind_type).validate_python(raw)


def error_text(kind_type, raw) -> str:
    with pytest.raises(ValidationError) as info:
        parse(kind_type, raw)
    return " | ".join(e["msg"] for e in info.value.errors())


def assert_interval(dist, low, high, credibility=90.0, rel=1e-9):
    """The distribution puts ``low`` and ``high`` at the ends of the central interval."""
    tail = (100.0 - credibility) / 200.0
    assert dist.quantile(tail) == pytest.approx(low, rel=rel, abs=1e-12)
    assert dist.quantile(1.0 - tail) == pytest.approx(high, rel=rel, abs=1e-12)


# --- the forms of the docstring --------------------------------------------------------------

def test_plain_value_is_fixed():
    spec = parse(Tokens, "300T")
    assert spec.dist == "fixed" and spec.value == 300 * T and spec.kind == "tokens"
    assert spec.to_distribution() == sampling.Fixed(300 * T)


def test_number_from_yaml_is_fixed():
    spec = parse(Tokens, 3e14)
    assert spec.dist == "fixed" and spec.value == 3e14


def test_interval_string_with_positive_bounds_is_lognormal():
    spec = parse(Tokens, "100T to 1000T")
    assert spec.dist == "lognormal"
    assert (spec.low, spec.high, spec.credibility) == (100 * T, 1000 * T, 90.0)
    dist = spec.to_distribution()
    assert isinstance(dist, sampling.LogNormal)
    z95 = scipy.stats.norm.ppf(0.95)
    assert dist.mu == pytest.approx((math.log(100 * T) + math.log(1000 * T)) / 2, rel=1e-12)
    assert dist.sigma == pytest.approx(math.log(10) / (2 * z95), rel=1e-9)
    assert_interval(dist, 100 * T, 1000 * T)


def test_interval_string_through_zero_is_normal_for_a_number_field():
    spec = parse(Number, "-1 to 3")
    assert spec.dist == "normal"
    dist = spec.to_distribution()
    assert isinstance(dist, sampling.Normal)
    assert dist.mu == pytest.approx(1.0)
    assert dist.sd == pytest.approx(2.0 / scipy.stats.norm.ppf(0.95), rel=1e-9)
    assert_interval(dist, -1.0, 3.0)


def test_value_mapping_with_credibility_and_source():
    spec = parse(Tokens, {"value": "100T to 1000T", "credibility": 95, "source": "Villalobos et al. 2024"})
    assert spec.dist == "lognormal" and spec.credibility == 95
    assert spec.source == "Villalobos et al. 2024"
    assert_interval(spec.to_distribution(), 100 * T, 1000 * T, credibility=95)


def test_value_mapping_with_a_plain_value():
    spec = parse(Tokens, {"value": "300T", "source": "S", "note": "N"})
    assert spec.dist == "fixed" and spec.value == 300 * T
    assert (spec.source, spec.note) == ("S", "N")


def test_lognormal_from_interval_and_credibility():
    spec = parse(Tokens, {"dist": "lognormal", "low": "130T", "high": "2100T", "credibility": 95})
    assert_interval(spec.to_distribution(), 130 * T, 2100 * T, credibility=95)


def test_lognormal_native_parameters():
    spec = parse(Tokens, {"dist": "lognormal", "mu": 33.9, "sigma": 0.8})
    assert spec.to_distribution() == sampling.LogNormal(33.9, 0.8)
    assert spec.to_distribution().quantile(0.5) == pytest.approx(math.exp(33.9))


def test_normal_native_parameters_with_units():
    spec = parse(Fraction, {"dist": "normal", "mean": "50%", "sd": "5%"})
    assert spec.to_distribution() == sampling.Normal(0.5, 0.05)


def test_normal_from_interval():
    spec = parse(Number, {"dist": "normal", "low": 2, "high": 8, "credibility": 80})
    assert_interval(spec.to_distribution(), 2, 8, credibility=80)


def test_uniform():
    spec = parse(Fraction, {"dist": "uniform", "low": "10%", "high": "40%"})
    assert spec.to_distribution() == sampling.Uniform(0.1, 0.4)


def test_triangular():
    spec = parse(Fraction, {"dist": "triangular", "low": "10%", "mode": "20%", "high": "40%"})
    assert spec.to_distribution() == sampling.Triangular(0.1, 0.2, 0.4)


def test_pert_default_shape_is_classic_four():
    spec = parse(Fraction, {"dist": "pert", "low": "10%", "mode": "20%", "high": "40%"})
    assert spec.to_distribution() == sampling.Pert(0.1, 0.2, 0.4, 4.0)


@pytest.mark.parametrize("key", ["lambda", "lamb"])
def test_pert_shape_written_as_lambda(key):
    spec = parse(Fraction, {"dist": "pert", "low": "10%", "mode": "20%", "high": "40%", key: 6})
    assert spec.to_distribution() == sampling.Pert(0.1, 0.2, 0.4, 6.0)


def test_beta_native_parameters():
    spec = parse(Fraction, {"dist": "beta", "alpha": 2, "beta": 5})
    assert spec.to_distribution() == sampling.Beta(2.0, 5.0)


def test_beta_from_interval():
    spec = parse(Fraction, {"dist": "beta", "low": "10%", "high": "40%"})
    dist = spec.to_distribution()
    assert isinstance(dist, sampling.Beta)
    assert_interval(dist, 0.1, 0.4, rel=1e-5)


def test_choice_with_weights():
    spec = parse(Number, {"dist": "choice", "values": [1, 4, 8], "weights": [1, 2, 1]})
    assert spec.to_distribution() == sampling.Choice((1.0, 4.0, 8.0), (1.0, 2.0, 1.0))


def test_choice_without_weights_is_equally_likely():
    spec = parse(Tokens, {"dist": "choice", "values": ["1T", "2T"]})
    assert spec.to_distribution() == sampling.Choice((1 * T, 2 * T), (1.0, 1.0))


def test_fixed_spelled_out():
    spec = parse(Number, {"dist": "fixed", "value": 3})
    assert spec.to_distribution() == sampling.Fixed(3.0)


@pytest.mark.parametrize("dist", ["lognormal", "normal", "uniform"])
def test_p5_p95_are_synonyms_of_low_high(dist):
    aliased = parse(Tokens, {"dist": dist, "p5": "100T", "p95": "1000T"})
    plain = parse(Tokens, {"dist": dist, "low": "100T", "high": "1000T"})
    assert (aliased.low, aliased.high) == (100 * T, 1000 * T)
    assert aliased.to_distribution() == plain.to_distribution()


def test_p5_p95_for_beta():
    spec = parse(Fraction, {"dist": "beta", "p5": "10%", "p95": "40%"})
    assert_interval(spec.to_distribution(), 0.1, 0.4, rel=1e-5)


@pytest.mark.parametrize("kind_type, kind", [(Tokens, "tokens"), (Fraction, "fraction"),
                                             (Growth, "growth"), (Flop, "flop"), (Number, "number")])
def test_kind_comes_from_the_field(kind_type, kind):
    raw = {"tokens": "1T", "fraction": "10%", "growth": "2x/yr", "flop": "1e25", "number": 1}[kind]
    assert parse(kind_type, raw).kind == kind


def test_units_are_read_by_the_fields_kind():
    assert parse(Growth, "35%/yr").value == pytest.approx(1.35)
    assert parse(Fraction, "35%").value == pytest.approx(0.35)
    assert parse(Growth, "2x/yr to 3x/yr").dist == "lognormal"


def test_describe_names_the_interval():
    text = describe(parse(Tokens, {"value": "100T to 300T", "credibility": 95}))
    assert text.startswith("100T to 300T") and "95%" in text


# --- errors in a quantity --------------------------------------------------------------------

@pytest.mark.parametrize("raw", [
    "1000T to 100T",
    {"dist": "lognormal", "low": "1000T", "high": "100T"},
    {"dist": "normal", "low": 5, "high": -5},
    {"dist": "uniform", "low": "40T", "high": "10T"},
    {"dist": "lognormal", "p5": "5T", "p95": "5T"},
])
def test_low_above_high_is_refused(raw):
    kind_type = Number if isinstance(raw, dict) and raw.get("dist") == "normal" else Tokens
    assert "low" in error_text(kind_type, raw)


def test_unknown_distribution_lists_the_known_ones():
    text = error_text(Tokens, {"dist": "gamma", "low": 1, "high": 2})
    assert "gamma" in text
    for known in ("lognormal", "normal", "beta", "uniform", "triangular", "pert", "choice", "fixed"):
        assert known in text


def test_kind_written_by_a_user_is_refused():
    assert "kind" in error_text(Tokens, {"dist": "lognormal", "low": 1, "high": 2, "kind": "number"})


@pytest.mark.parametrize("raw, kind_type", [
    ({"dist": "lognormal", "low": 1, "high": 3, "sigma": 1}, Number),
    ({"dist": "lognormal", "p5": 1, "p95": 3, "mu": 1, "sigma": 1}, Number),
    ({"dist": "normal", "low": 1, "high": 3, "sd": 1}, Number),
    ({"dist": "beta", "low": "10%", "high": "40%", "alpha": 2}, Fraction),
])
def test_interval_and_native_parameters_together_are_refused(raw, kind_type):
    assert "not both" in error_text(kind_type, raw)


@pytest.mark.parametrize("raw", ["-5T", -5e12, "-1T to 3T", {"dist": "uniform", "low": "-1T", "high": "1T"}])
def test_negative_token_counts_are_refused(raw):
    assert "negative" in error_text(Tokens, raw)


@pytest.mark.parametrize("raw", [35, "35"])
def test_fraction_written_as_percent_number_suggests_percent(raw):
    assert "35%" in error_text(Fraction, raw)


@pytest.mark.parametrize("raw", [1.35, "1.35", 2])
def test_bare_number_for_growth_is_refused(raw):
    assert "x/yr" in error_text(Growth, raw)


@pytest.mark.parametrize("raw, words", [
    ({"dist": "lognormal", "low": 1}, "both low and high"),
    ({"dist": "lognormal", "mu": 1}, "sigma"),
    ({"value": "300T", "credibility": 95}, "interval"),
    ({"low": 1, "high": 2}, "dist"),
    ({"dist": "choice", "values": [1, 2], "weights": [1]}, "weights"),
    ({"dist": "choice", "values": [1, 2], "weights": [-1, 2]}, "weights"),
    ({"dist": "triangular", "low": 1, "mode": 5, "high": 3}, "mode"),
    ({"dist": "lognormal", "low": 0, "high": 5}, "low > 0"),
    ({"dist": "lognormal", "low": 1, "high": 5, "credibility": 100}, "100"),
    ({"dist": "lognormal", "mu": 1, "sigma": -1}, "0"),
    (True, "true/false"),
    (None, "required"),
    ([1, 2], "interval"),
])
def test_other_mistakes_in_a_quantity(raw, words):
    kind_type = Number if not (isinstance(raw, dict) and "value" in raw) else Tokens
    assert words in error_text(kind_type, raw)


def test_beta_interval_must_lie_inside_zero_one():
    assert "between 0 and 1" in error_text(Number, {"dist": "beta", "low": 0.5, "high": 2})


# --- scenario files --------------------------------------------------------------------------

def problems(write_yaml, text):
    path = write_yaml("s.yaml", text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return info.value.problems


def only(write_yaml, text):
    found = problems(write_yaml, text)
    assert len(found) == 1, [str(p) for p in found]
    return found[0]


def test_mini_scenario_is_valid(write_yaml, mini_text):
    loaded = load_scenario(write_yaml("s.yaml", mini_text))
    scenario = loaded.scenario
    assert scenario.name == "mini" and scenario.samples == 1000 and scenario.seed == 7
    assert str(scenario.horizon.start) == "2024Q1" and len(scenario.horizon.quarters) == 28
    assert scenario.demand.historical.current_largest.dist == "lognormal"


def test_source_and_note_are_kept(write_yaml, mini_text):
    text = mini_text.replace("multiplier: 2 to 5",
                             "multiplier: {value: 2 to 5, source: 'Muennighoff et al. 2023', note: 'cap'}")
    spec = load_scenario(write_yaml("s.yaml", text)).scenario.supply.repetition.multiplier
    assert (spec.source, spec.note) == ("Muennighoff et al. 2023", "cap")


def test_provenance_names_file_and_line(write_yaml, mini_text):
    path = write_yaml("s.yaml", mini_text)
    provenance = load_scenario(path).provenance
    assert provenance["supply.repetition.multiplier"] == f"{path}:8"
    assert provenance["demand.historical.growth"] == f"{path}:14"


def test_scenario_is_frozen(write_yaml, mini_text):
    scenario = load_scenario(write_yaml("s.yaml", mini_text)).scenario
    with pytest.raises(ValidationError):
        scenario.samples = 5


def test_hash_depends_on_values_not_spelling(write_yaml, mini_text):
    a = load_scenario(write_yaml("a.yaml", mini_text)).scenario
    respelled = ("# a comment\n" + mini_text.replace("samples: 1000", "samples: 1e3")
                 .replace("3T to 13T", "3e12 to 1.3e13"))
    b = load_scenario(write_yaml("b.yaml", respelled)).scenario
    c = load_scenario(write_yaml("c.yaml", mini_text.replace("seed: 7", "seed: 8"))).scenario
    assert scenario_hash(a) == scenario_hash(b)
    assert scenario_hash(a) != scenario_hash(c)


def test_horizon_end_before_start(write_yaml, mini_text):
    problem = only(write_yaml, mini_text.replace("end: 2030Q4", "end: 2023Q4"))
    assert (problem.field, problem.line) == ("horizon", 2)
    assert "before" in problem.message


def test_horizon_longer_than_the_limit(write_yaml, mini_text):
    end = 2024 + MAX_QUARTERS // 4
    problem = only(write_yaml, mini_text.replace("end: 2030Q4", f"end: {end}Q1"))
    assert str(MAX_QUARTERS) in problem.message


def test_horizon_single_quarter_is_fine(write_yaml, mini_text):
    text = mini_text.replace("end: 2030Q4", "end: 2024Q1")
    assert len(load_scenario(write_yaml("s.yaml", text)).scenario.horizon.quarters) == 1


def test_bare_year_is_not_a_quarter(write_yaml, mini_text):
    problem = only(write_yaml, mini_text.replace("start: 2024Q1", "start: 2024"))
    assert problem.field == "horizon.start"
    assert "2024Q1" in problem.message


@pytest.mark.parametrize("samples", ["0", "-3", str(MAX_SAMPLES + 1), "1e11", "2.5"])
def test_samples_out_of_range(write_yaml, mini_text, samples):
    problem = only(write_yaml, mini_text.replace("samples: 1000", f"samples: {samples}"))
    assert (problem.field, problem.line, problem.col) == ("samples", 3, 1)


@pytest.mark.parametrize("samples, expected", [(str(MAX_SAMPLES), MAX_SAMPLES), ("1", 1), ("1e4", 10_000)])
def test_samples_in_range(write_yaml, mini_text, samples, expected):
    text = mini_text.replace("samples: 1000", f"samples: {samples}")
    assert load_scenario(write_yaml("s.yaml", text)).scenario.samples == expected


def test_negative_seed(write_yaml, mini_text):
    assert only(write_yaml, mini_text.replace("seed: 7", "seed: -1")).field == "seed"


def test_name_must_be_a_short_id(write_yaml, mini_text):
    assert only(write_yaml, mini_text.replace("name: mini", "name: my scenario")).field == "name"


@pytest.mark.parametrize("old, new, field, line, suggestion", [
    ("samples: 1000", "sampels: 1000", "sampels", 3, "samples"),
    ("supply:", "suply:", "suply", 5, "supply"),
    ("horizon: {start: 2024Q1", "horizon: {strat: 2024Q1", "horizon.strat", 2, "start"),
    ("  include:", "  inclde:", "supply.inclde", 6, "include"),
    ("    reference:", "    referense:", "demand.historical.referense", 13, "reference"),
    ("multiplier: 2 to 5", "multiplier: {dist: lognormal, low: 2, high: 5, credibilty: 95}",
     "supply.repetition.multiplier.credibilty", 8, "credibility"),
    ("multiplier: 2 to 5", "multiplier: {value: 2 to 5, sorce: V24}",
     "supply.repetition.multiplier.sorce", 8, "source"),
])
def test_unknown_keys_get_did_you_mean(write_yaml, mini_text, old, new, field, line, suggestion):
    found = problems(write_yaml, mini_text.replace(old, new))
    unknown = [p for p in found if p.field == field]
    assert len(unknown) == 1, [str(p) for p in found]
    assert unknown[0].line == line
    assert unknown[0].message == f"unknown key '{field.split('.')[-1]}'"
    assert unknown[0].hint == f"did you mean '{suggestion}'?"


def test_unknown_key_with_no_close_match_gets_a_pointer_not_a_guess(write_yaml, mini_text):
    problem = only(write_yaml, mini_text + "zzqx: 1\n")
    assert "did you mean" not in problem.hint
    assert problem.hint


def test_vocabulary_has_every_yaml_key_but_not_kind():
    words = vocabulary()
    for key in ("samples", "supply", "demand", "horizon", "include", "multiplier", "credibility",
                "p5", "p95", "lambda", "extends", "source", "note"):
        assert key in words
    assert "kind" not in words


def test_every_mistake_in_a_file_is_reported_in_line_order(write_yaml, mini_text):
    text = (mini_text.replace("end: 2030Q4", "end: 2020Q1")
            .replace("samples: 1000", "samples: 0")
            .replace("multiplier: 2 to 5", "multiplier: 5 to 2"))
    found = problems(write_yaml, text)
    assert [(p.field, p.line) for p in found] == [
        ("horizon", 2), ("samples", 3), ("supply.repetition.multiplier", 8)]


def test_fraction_written_as_35_hints_35_percent(write_yaml, mini_text):
    text = mini_text.replace("  repetition:", "  sources:\n    indexed_web:\n      quality: 35\n  repetition:")
    problem = only(write_yaml, text)
    assert (problem.field, problem.line) == ("supply.sources.indexed_web.quality", 9)
    assert "35%" in problem.hint


def test_negative_token_count_in_a_scenario(write_yaml, mini_text):
    problem = only(write_yaml, mini_text.replace("current_largest: 3T to 13T", "current_largest: -3T"))
    assert (problem.field, problem.line) == ("demand.historical.current_largest", 12)
    assert "negative" in str(problem)


def test_bare_number_for_growth_in_a_scenario(write_yaml, mini_text):
    found = problems(write_yaml, mini_text.replace("growth: 2x/yr to 3x/yr", "growth: 1.35"))
    assert {p.line for p in found} == {14}
    assert any("x/yr" in str(p) for p in found)


def test_low_above_high_in_a_scenario_says_which_end(write_yaml, mini_text):
    text = mini_text.replace("multiplier: 2 to 5", "multiplier: {dist: lognormal, low: 5, high: 2}")
    problem = only(write_yaml, text)
    assert (problem.field, problem.line) == ("supply.repetition.multiplier", 8)
    assert "low" in problem.message and problem.hint


def test_user_written_kind_in_a_scenario(write_yaml, mini_text):
    text = mini_text.replace("multiplier: 2 to 5", "multiplier: {value: 2 to 5, kind: tokens}")
    assert "kind" in str(only(write_yaml, text))


def test_supply_needs_demand(write_yaml, mini_text):
    text = mini_text.split("demand:")[0]
    assert "supply and demand" in only(write_yaml, text).message


def test_repetition_needs_exactly_one_of_multiplier_or_epochs(write_yaml, mini_text):
    text = mini_text.replace("multiplier: 2 to 5", "multiplier: 2 to 5\n    epochs: 4\n    decay_constant: 15.4")
    assert only(write_yaml, text).field == "supply.repetition"


def test_source_override_must_be_included(write_yaml, mini_text):
    text = mini_text.replace("  repetition:", "  sources:\n    books:\n      quality: 100%\n  repetition:")
    assert "books" in only(write_yaml, text).message


def test_mixture_needs_its_weight(write_yaml, mini_text):
    text = mini_text.replace("method: historical", "method: mixture")
    assert "historical_weight" in str(only(write_yaml, text))


def test_growth_fit_needs_a_fit_block(write_yaml, mini_text):
    text = mini_text.replace("growth: 2x/yr to 3x/yr", "growth: fit")
    assert "fit" in only(write_yaml, text).message


def test_unknown_stock_component_suggests_a_known_one(write_yaml, mini_text):
    problem = only(write_yaml, mini_text.replace("[indexed_web]", "[indexed_wbe]"))
    assert (problem.line, problem.hint) == (6, "did you mean 'indexed_web'?")


def test_scenario_model_rejects_unknown_fields_directly():
    with pytest.raises(ValidationError) as info:
        Scenario.model_validate({"name": "x", "horizon": {"start": "2024Q1", "end": "2024Q4"},
                                 "samples": 10, "seed": 1, "colour": "red"})
    assert any(e["type"] == "extra_forbidden" and e["loc"] == ("colour",) for e in info.value.errors())
