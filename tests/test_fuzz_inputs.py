"""Fuzzed scenario files: whatever a planner types, peakdata answers with a ScenarioError, never a
traceback of another kind (hypothesis)."""
from __future__ import annotations

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forecast.errors import ScenarioError
from forecast.io.scenario import load_scenario
from forecast.io.yamlload import load_yaml

_KEYS = st.sampled_from(["name", "horizon", "samples", "seed", "supply", "demand", "cost", "mixes",
                         "include", "repetition", "multiplier", "dist", "low", "high", "value",
                         "method", "historical", "growth", "start", "end", "extends", "sampels", "x"])
_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20),
                     st.floats(allow_nan=True, allow_infinity=True),
                     st.sampled_from(["300T", "3e14", "100T to 1000T", "35%", "2x/yr", "$4.6M",
                                      "2024Q1", "fit", "lognormal", "rest", "-5T", "1 to", "abc",
                                      "baseline.yaml", "", "~"]),
                     st.text(max_size=12))
_TREES = st.recursive(_SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                        st.dictionaries(_KEYS, inner, max_size=5)),
                      max_leaves=25)


def _only_scenario_errors(path) -> None:
    try:
        load_scenario(path)
    except ScenarioError as exc:
        assert exc.problems, "a ScenarioError always names at least one problem"
        for problem in exc.problems:
            assert problem.message


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tree=st.dictionaries(_KEYS, _TREES, max_size=8))
def test_any_yaml_mapping_gives_a_scenario_error_or_a_scenario(tmp_path, tree):
    path = tmp_path / "fuzz.yaml"
    path.write_text(yaml.safe_dump(tree, allow_unicode=True), encoding="utf-8")
    _only_scenario_errors(path)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200))
def test_any_text_gives_a_scenario_error(tmp_path, text):
    path = tmp_path / "fuzz.yaml"
    path.write_text(text, encoding="utf-8")
    _only_scenario_errors(path)


def test_merge_key_override_is_not_a_duplicate(tmp_path):
    path = tmp_path / "merge.yaml"
    path.write_text("name: m\ndefaults: &d {a: 1, b: 2}\nx:\n  <<: *d\n  b: 3\n", encoding="utf-8")
    doc = load_yaml(path)
    assert doc.data["x"] == {"a": 1, "b": 3}
    assert doc.locate(("x", "b")).line == 5  # the explicit key, not the anchor


def test_explicit_duplicates_are_still_an_error(tmp_path):
    path = tmp_path / "dup.yaml"
    path.write_text("name: m\nx:\n  <<: {a: 1}\n  b: 2\n  b: 3\n", encoding="utf-8")
    try:
        load_yaml(path)
    except ScenarioError as exc:
        assert "appears twice" in str(exc) and exc.problems[0].line == 5
    else:  # pragma: no cover - the assertion below documents the expectation
        raise AssertionError("a key written twice must be reported")
