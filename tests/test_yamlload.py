"""Tests of forecast/io/yamlload.py: YAML 1.2 floats, file:line of every key, ``extends`` merge,
duplicate keys, alias bombs and the errors a planner meets before any schema check.

Expected lines and columns are counted by hand from the YAML text written in each test (1-based;
a mapping key's location is its first character, a list item's is the item's first character).
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from forecast.errors import Problem, ScenarioError
from forecast.io.scenario import load_scenario
from forecast.io.yamlload import MAX_BYTES, MAX_NODES, Location, load_scenario_data, load_yaml


def problems_of(path: Path, loader=load_yaml) -> list[Problem]:
    with pytest.raises(ScenarioError) as info:
        loader(path)
    assert info.value.problems, "a ScenarioError must carry at least one Problem"
    return info.value.problems


def only_problem(path: Path, loader=load_yaml) -> Problem:
    problems = problems_of(path, loader)
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


# --- YAML 1.2 numbers ------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("3e14", 3e14),
    ("1e-4", 1e-4),
    ("2.1e+15", 2.1e15),
    ("-2E+5", -2e5),
    ("1.5e3", 1500.0),
    (".5", 0.5),
    ("1.", 1.0),
    ("0.35", 0.35),
])
def test_scientific_notation_loads_as_float(write_yaml, text, expected):
    # PyYAML's YAML 1.1 resolver reads 3e14 and 1e-4 as strings (yaml/pyyaml#173).
    value = load_yaml(write_yaml("f.yaml", f"x: {text}\n")).data["x"]
    assert type(value) is float
    assert value == expected


def test_integers_stay_integers(write_yaml):
    data = load_yaml(write_yaml("i.yaml", "a: 12\nb: -3\nc: 20240604\n")).data
    assert data == {"a": 12, "b": -3, "c": 20240604}
    assert all(type(v) is int for v in data.values())


@pytest.mark.parametrize("text", ["300T", "2024Q1", "3T to 13T", "35%", "4x/yr", "$4.6M", "1e25 to 1e26",
                                  "0.38 OOM/yr", "e14", "3e", "1e-4x"])
def test_quantities_with_units_stay_strings(write_yaml, text):
    value = load_yaml(write_yaml("s.yaml", f"x: {text}\n")).data["x"]
    assert value == text


def test_quoted_numbers_stay_strings(write_yaml):
    data = load_yaml(write_yaml("q.yaml", "a: '3e14'\nb: \"12\"\n")).data
    assert data == {"a": "3e14", "b": "12"}


# --- locations -------------------------------------------------------------------------------

NESTED = """\
top:
  inner:
    deep: 1
  list:
    - first
    - {x: 1, y: [a, b]}
flow: {k: v}
"""


@pytest.mark.parametrize("path, line, col", [
    (("top",), 1, 1),
    (("top", "inner"), 2, 3),
    (("top", "inner", "deep"), 3, 5),
    (("top", "list"), 4, 3),
    (("top", "list", 0), 5, 7),
    (("top", "list", 1), 6, 7),
    (("top", "list", 1, "x"), 6, 8),
    (("top", "list", 1, "y"), 6, 14),
    (("top", "list", 1, "y", 0), 6, 18),
    (("top", "list", 1, "y", 1), 6, 21),
    (("flow",), 7, 1),
    (("flow", "k"), 7, 8),
])
def test_location_of_nested_keys_and_list_items(write_yaml, path, line, col):
    file = write_yaml("n.yaml", NESTED)
    loc = load_yaml(file).locations[path]
    assert (loc.file, loc.line, loc.col) == (str(file), line, col)


def test_locations_cover_every_key_and_item(write_yaml):
    doc = load_yaml(write_yaml("n.yaml", NESTED))
    expected = {(), ("top",), ("top", "inner"), ("top", "inner", "deep"), ("top", "list"),
                ("top", "list", 0), ("top", "list", 1), ("top", "list", 1, "x"),
                ("top", "list", 1, "y"), ("top", "list", 1, "y", 0), ("top", "list", 1, "y", 1),
                ("flow",), ("flow", "k")}
    assert set(doc.locations) == expected


def test_locate_falls_back_to_nearest_written_ancestor(write_yaml):
    doc = load_yaml(write_yaml("n.yaml", NESTED))
    assert doc.locate(("top", "inner", "missing", "deeper")) == doc.locations[("top", "inner")]
    assert doc.locate(("nowhere",)) == doc.locations[()]


def test_location_prints_as_file_line_col():
    assert str(Location("scenarios/a.yaml", 12, 5)) == "scenarios/a.yaml:12:5"


def test_display_name_is_used_in_locations(write_yaml):
    file = write_yaml("n.yaml", NESTED)
    doc = load_yaml(file, display="shown/as.yaml")
    assert doc.files == ["shown/as.yaml"]
    assert doc.locations[("top", "inner")] == Location("shown/as.yaml", 2, 3)


def test_windows_line_endings_and_utf8_bom_do_not_shift_lines(write_yaml, tmp_path):
    path = tmp_path / "win.yaml"
    path.write_bytes("\ufeffa: 1\r\nb:\r\n  c: 2\r\n".encode("utf-8"))
    doc = load_yaml(path)
    assert doc.data == {"a": 1, "b": {"c": 2}}
    assert (doc.locations[("b", "c")].line, doc.locations[("b", "c")].col) == (3, 3)


# --- duplicate keys --------------------------------------------------------------------------

def test_duplicate_key_is_an_error_at_its_second_occurrence(write_yaml):
    problem = only_problem(write_yaml("d.yaml", "seed: 1\nsamples: 10\nseed: 2\n"))
    assert (problem.line, problem.col) == (3, 1)
    assert problem.field == "seed"
    assert "twice" in problem.message


def test_every_duplicate_key_is_reported_with_its_dotted_field(write_yaml):
    text = "a: 1\nb:\n  c: 1\n  d: 2\n  c: 3\na: 4\n"
    problems = problems_of(write_yaml("d.yaml", text))
    assert [(p.field, p.line, p.col) for p in problems] == [("b.c", 5, 3), ("a", 6, 1)]


def test_duplicate_key_in_flow_mapping(write_yaml):
    problem = only_problem(write_yaml("d.yaml", "m: {low: 1, low: 2}\n"))
    assert (problem.field, problem.line, problem.col) == ("m.low", 1, 13)


# --- alias bombs -----------------------------------------------------------------------------

def billion_laughs(levels: int = 9, width: int = 9) -> str:
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


def mapping_bomb(levels: int = 9, width: int = 9) -> str:
    lines = ["m0: &m0 {a: lol, b: lol, c: lol}"]
    for i in range(1, levels):
        items = ", ".join(f"k{j}: *m{i - 1}" for j in range(width))
        lines.append(f"m{i}: &m{i} {{{items}}}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("text", [billion_laughs(), mapping_bomb()], ids=["sequences", "mappings"])
def test_alias_bomb_is_rejected_quickly_with_a_message(write_yaml, text):
    assert len(text) < 2000  # tiny on disk; 9**9 values once expanded
    start = time.perf_counter()
    problem = only_problem(write_yaml("bomb.yaml", text))
    assert time.perf_counter() - start < 5
    assert f"{MAX_NODES:,}" in problem.message
    assert "alias" in problem.hint


def test_alias_bomb_cannot_exhaust_memory_or_hang(tmp_path):
    """In a child process capped at 512 MB and 60 s: the loader must answer, not die."""
    pytest.importorskip("resource")
    path = tmp_path / "bomb.yaml"
    path.write_text(billion_laughs(levels=10), encoding="utf-8")
    code = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (512 * 2**20, 512 * 2**20))\n"
        "from forecast.errors import ScenarioError\n"
        "from forecast.io.yamlload import load_yaml\n"
        "try:\n"
        "    load_yaml(sys.argv[1])\n"
        "except ScenarioError as exc:\n"
        "    print(exc)\n"
        "    sys.exit(2)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "OPENBLAS_NUM_THREADS": "1"})
    assert proc.returncode == 2, proc.stderr
    assert "expands to more than" in proc.stdout
    assert "MemoryError" not in proc.stderr


def test_aliases_within_the_limit_are_fine(write_yaml):
    doc = load_yaml(write_yaml("a.yaml", "base: &b {low: 2, high: 5}\nother: *b\n"))
    assert doc.data["other"] == {"low": 2, "high": 5}


# --- unreadable files ------------------------------------------------------------------------

def test_missing_file(tmp_path):
    problem = only_problem(tmp_path / "nope.yaml")
    assert problem.file == str(tmp_path / "nope.yaml")
    assert "not found" in problem.message
    assert "nope.yaml" in str(problem)


def test_directory_instead_of_file(tmp_path):
    problem = only_problem(tmp_path)
    assert "cannot read" in problem.message


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "---\n"])
def test_empty_file(write_yaml, text):
    problem = only_problem(write_yaml("e.yaml", text))
    assert "empty" in problem.message


@pytest.mark.parametrize("text", ["- a\n- b\n", "just words\n", "42\n"])
def test_top_level_must_be_a_mapping(write_yaml, text):
    problem = only_problem(write_yaml("t.yaml", text))
    assert "mapping" in problem.message
    assert problem.line == 1


def test_non_utf8_file(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: caf\xe9\nseed: 1\n".encode("latin-1"))
    problem = only_problem(path)
    assert "UTF-8" in problem.message
    assert "UTF-8" in problem.hint


def test_utf16_file_is_reported_not_misread(tmp_path):
    path = tmp_path / "utf16.yaml"
    path.write_bytes("name: x\n".encode("utf-16"))
    assert "UTF-8" in only_problem(path).message


def test_oversized_file_is_refused_before_parsing(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("a: 1\n" + "#" * MAX_BYTES + "\n", encoding="utf-8")
    problem = only_problem(path)
    assert f"{MAX_BYTES:,}" in problem.message


# --- YAML syntax errors ----------------------------------------------------------------------

@pytest.mark.parametrize("text, line, hint_word", [
    # a value containing ': ' without quotes, on line 3
    ("name: x\nseed: 1\ndescription: note: this breaks\n", 3, "quotes"),
    # line 4 is indented by one space less than line 3
    ("name: x\nsupply:\n  include: [a]\n repetition: 2\n", 4, "indentation"),
    # an alias to an anchor that was never defined, on line 2
    ("name: x\nseed: *missing\n", 2, "anchor"),
    # a tab used for indentation on line 3
    ("name: x\nsupply:\n\tinclude: [a]\n", 3, "tab"),
])
def test_syntax_error_points_at_its_line_with_a_hint(write_yaml, text, line, hint_word):
    problem = only_problem(write_yaml("syntax.yaml", text))
    assert problem.message.startswith("YAML syntax error")
    assert problem.line == line
    assert hint_word in problem.hint


def test_non_scalar_key_is_an_error(write_yaml):
    problem = only_problem(write_yaml("k.yaml", "name: x\n? [a, b]\n: 1\n"))
    assert problem.line == 2


# --- extends ---------------------------------------------------------------------------------

PARENT = """\
name: parent
samples: 100
seed: 1
supply:
  include: [indexed_web]
  repetition:
    multiplier: {dist: lognormal, low: 2, high: 5, credibility: 95}
demand:
  method: historical
  historical:
    growth: {value: 2x/yr, source: parent paper}
    reference: 2024Q1
    current_largest: {dist: lognormal, low: 3T, high: 13T}
"""

CHILD = """\
extends: parent.yaml
name: child
seed: 2
supply:
  include: [books]
  repetition:
    multiplier: {value: 3}
demand:
  historical:
    growth: {dist: normal, mean: 2, sd: 0.1}
    current_largest: {source: child note}
"""


@pytest.fixture
def family(write_yaml):
    parent = write_yaml("parent.yaml", PARENT)
    child = write_yaml("child.yaml", CHILD)
    return parent, child


def test_extends_deep_merges_child_over_parent(family):
    _, child = family
    assert load_scenario_data(child).data == {
        "name": "child",
        "samples": 100,                                   # only in the parent
        "seed": 2,                                        # child wins
        "supply": {
            "include": ["books"],                         # lists replace
            "repetition": {"multiplier": {"value": 3}},   # value: replaces the parent's whole spec
        },
        "demand": {
            "method": "historical",                       # sections merge key by key
            "historical": {
                "growth": {"dist": "normal", "mean": 2, "sd": 0.1},   # dist: replaces whole
                "reference": "2024Q1",
                # the parent's value is a quantity (dist:), so the child's mapping replaces it
                # whole: a source never stays attached to numbers it did not describe
                "current_largest": {"source": "child note"},
            },
        },
    }


def test_extends_key_is_consumed(family):
    _, child = family
    doc = load_scenario_data(child)
    assert "extends" not in doc.data
    assert ("extends",) not in doc.locations


def test_files_lists_child_first_then_ancestors(family, write_yaml):
    parent, child = family
    grand = write_yaml("grand.yaml", "extends: child.yaml\nname: grand\n")
    assert load_scenario_data(grand).files == [str(grand), str(child), str(parent)]


@pytest.mark.parametrize("path, which, line, col", [
    (("name",), "child", 2, 1),
    (("samples",), "parent", 2, 1),
    (("seed",), "child", 3, 1),
    (("supply", "include"), "child", 5, 3),
    (("supply", "include", 0), "child", 5, 13),
    (("supply", "repetition", "multiplier"), "child", 7, 5),
    (("supply", "repetition", "multiplier", "value"), "child", 7, 18),
    (("demand", "method"), "parent", 9, 3),
    (("demand", "historical", "reference"), "parent", 12, 5),
    (("demand", "historical", "growth"), "child", 10, 5),
    (("demand", "historical", "growth", "sd"), "child", 10, 37),
    (("demand", "historical", "current_largest", "source"), "child", 11, 23),
])
def test_locations_after_merge_point_at_the_file_that_set_the_value(family, path, which, line, col):
    parent, child = family
    loc = load_scenario_data(child).locations[path]
    assert (loc.file, loc.line, loc.col) == (str({"parent": parent, "child": child}[which]), line, col)


def test_partial_override_of_a_quantity_drops_the_parents_numbers(family):
    _, child = family
    doc = load_scenario_data(child)
    assert ("demand", "historical", "current_largest", "low") not in doc.locations
    assert "low" not in doc.data["demand"]["historical"]["current_largest"]


def test_replaced_quantity_keeps_no_stale_parent_locations(family):
    _, child = family
    locations = load_scenario_data(child).locations
    for gone in (("supply", "repetition", "multiplier", "low"),
                 ("supply", "repetition", "multiplier", "credibility"),
                 ("demand", "historical", "growth", "value"),
                 ("demand", "historical", "growth", "source")):
        assert gone not in locations


def test_three_generations_keep_each_files_lines(family, write_yaml):
    parent, child = family
    grand = write_yaml("grand.yaml", "extends: child.yaml\nname: grand\nsamples: 7\n")
    doc = load_scenario_data(grand)
    assert doc.data["samples"] == 7 and doc.data["seed"] == 2
    assert doc.locations[("samples",)] == Location(str(grand), 3, 1)
    assert doc.locations[("seed",)] == Location(str(child), 3, 1)
    assert doc.locations[("demand", "method")] == Location(str(parent), 9, 3)


def test_parent_is_found_relative_to_the_child_not_the_working_folder(write_yaml, tmp_path,
                                                                      monkeypatch):
    write_yaml("parent.yaml", PARENT)
    kid = write_yaml("variants/kid.yaml", "extends: ../parent.yaml\nname: kid\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    doc = load_scenario_data(kid)
    assert doc.data["samples"] == 100
    assert Path(doc.locations[("samples",)].file).resolve() == (tmp_path / "parent.yaml").resolve()


def test_extends_cycle_of_two_files(write_yaml):
    a = write_yaml("a.yaml", "extends: b.yaml\nname: a\n")
    write_yaml("b.yaml", "name: b\nextends: a.yaml\n")
    problem = only_problem(a, load_scenario_data)
    assert "cycle" in problem.message
    assert "a.yaml" in problem.message and "b.yaml" in problem.message
    assert problem.field == "extends"


def test_extends_itself(write_yaml):
    me = write_yaml("me.yaml", "name: me\nseed: 1\nextends: me.yaml\n")
    problem = only_problem(me, load_scenario_data)
    assert "cycle" in problem.message
    assert (problem.line, problem.col) == (3, 1)


def test_extends_missing_parent(write_yaml):
    orphan = write_yaml("orphan.yaml", "name: orphan\nextends: nowhere.yaml\n")
    problem = only_problem(orphan, load_scenario_data)
    assert problem.file == str(orphan)
    assert (problem.line, problem.field) == (2, "extends")
    assert "nowhere.yaml" in problem.message


def test_extends_without_its_own_name(family, write_yaml):
    nameless = write_yaml("nameless.yaml", "# a variant\nextends: parent.yaml\nseed: 5\n")
    problem = only_problem(nameless, load_scenario_data)
    assert problem.field == "name"
    assert problem.line == 2
    assert "name" in problem.hint


@pytest.mark.parametrize("value", ["[a.yaml, b.yaml]", "''", "3", "{file: a.yaml}"])
def test_extends_must_be_a_file_name(write_yaml, value):
    bad = write_yaml("bad.yaml", f"name: bad\nextends: {value}\n")
    problem = only_problem(bad, load_scenario_data)
    assert problem.field == "extends"
    assert problem.line == 2


def test_extends_errors_in_the_parent_name_the_parent(write_yaml):
    write_yaml("parent.yaml", "name: parent\nseed: 1\nseed: 2\n")
    child = write_yaml("child.yaml", "extends: parent.yaml\nname: child\n")
    problem = only_problem(child, load_scenario_data)
    assert Path(problem.file).name == "parent.yaml"
    assert problem.line == 3


def test_schema_errors_point_at_the_file_that_set_the_value(write_yaml, mini_text):
    # line 8 of the parent: multiplier: 2 to 5 -> make it backwards there
    write_yaml("parent.yaml", mini_text.replace("multiplier: 2 to 5", "multiplier: 5 to 2"))
    child = write_yaml("child.yaml", "extends: parent.yaml\nname: child\nsampels: 3\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(child)
    where = [(Path(p.file).name, p.line, p.field) for p in info.value.problems]
    assert where == [("child.yaml", 3, "sampels"),
                     ("parent.yaml", 8, "supply.repetition.multiplier")]


def test_child_override_fixes_a_parent_value(write_yaml, mini_text):
    write_yaml("parent.yaml", mini_text.replace("multiplier: 2 to 5", "multiplier: 5 to 2"))
    child = write_yaml("child.yaml", "extends: parent.yaml\nname: child\n"
                                     "supply:\n  repetition:\n    multiplier: 3\n")
    loaded = load_scenario(child)
    assert loaded.scenario.supply.repetition.multiplier.value == 3
    assert loaded.provenance["supply.repetition.multiplier"] == f"{child}:5"
