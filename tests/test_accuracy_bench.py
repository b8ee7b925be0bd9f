"""The accuracy benchmark's pure scoring functions (benchmarks/accuracy.py) on tiny in-memory inputs."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from xml.etree.ElementTree import fromstring

import pytest
from hypothesis import given
from hypothesis import strategies as st

_PATH = Path(__file__).resolve().parent.parent / "benchmarks" / "accuracy.py"
_SPEC = importlib.util.spec_from_file_location("riskmap_accuracy_bench", _PATH)
assert _SPEC is not None and _SPEC.loader is not None
accuracy = importlib.util.module_from_spec(_SPEC)
sys.modules[_SPEC.name] = accuracy  # dataclasses look their module up
_SPEC.loader.exec_module(accuracy)


def brute_force_ga(predicted: list, truth: list) -> float:
    """Grouping accuracy straight from its definition: line i is right when the lines sharing its
    predicted group are exactly the lines sharing its true group."""
    n = len(truth)
    if n == 0:
        return 1.0
    right = 0
    for i in range(n):
        same_guess = {j for j in range(n) if predicted[j] == predicted[i]}
        same_truth = {j for j in range(n) if truth[j] == truth[i]}
        right += same_guess == same_truth
    return right / n


@given(st.lists(st.tuples(st.integers(0, 4), st.sampled_from("abcde")), max_size=30))
def test_grouping_accuracy_matches_its_definition(pairs):
    predicted, truth = [p for p, _ in pairs], [t for _, t in pairs]
    assert accuracy.grouping_accuracy(predicted, truth) == pytest.approx(brute_force_ga(predicted, truth))


@given(st.lists(st.sampled_from("abc"), min_size=1, max_size=20))
def test_grouping_accuracy_ignores_group_names(truth):
    renamed = [f"group {t}" for t in truth]
    assert accuracy.grouping_accuracy(renamed, truth) == 1.0


def test_grouping_accuracy_of_a_merged_and_a_split_group():
    # lines 0,1 truly together but split; lines 2,3 truly apart but merged; line 4 alone and right
    assert accuracy.grouping_accuracy([1, 2, 3, 3, 4], ["a", "a", "b", "c", "d"]) == pytest.approx(1 / 5)


@given(st.lists(st.tuples(st.booleans(), st.booleans()), max_size=40))
def test_defect_scores_follow_their_definitions(pairs):
    predicted, actual = [p for p, _ in pairs], [a for _, a in pairs]
    tp, precision, recall, f1 = accuracy.defect_scores(predicted, actual)
    assert tp == sum(1 for p, a in pairs if p and a)
    fp, fn = sum(predicted) - tp, sum(actual) - tp
    assert precision == (pytest.approx(tp / (tp + fp)) if tp + fp else 0.0)
    assert recall == (pytest.approx(tp / (tp + fn)) if tp + fn else 0.0)
    assert f1 == (pytest.approx(2 * tp / (2 * tp + fp + fn)) if tp else 0.0)


@pytest.mark.parametrize(("component", "expected"), [
    ("org.apache.commons.cli.CommandLine", True),
    ("org/apache/commons/cli/CommandLine.java", True),
    ("org.apache.commons.cli.CommandLine.getOptionValue", True),
    ("org.apache.commons.cli.CommandLine$Inner", True),
    ("other.pkg.CommandLine", True),  # the simple class name, failing the full one
    ("org.apache.commons.cli.CommandLineTest", False),
    ("org.apache.commons.cli", False),
    ("org.apache.tools.ant.Main", False),
    ("(unmapped)", False),
    (None, False),
])
def test_placed_correctly(component, expected):
    assert accuracy.placed_correctly(component, ["org.apache.commons.cli.CommandLine"]) is expected


def test_placed_correctly_on_an_inner_modified_class():
    assert accuracy.placed_correctly("a.b.c.Outer", ["a.b.c.Outer$Inner"])


def test_library_is_outside_the_project_prefixes():
    changed = ["org.apache.commons.cli.Parser", "org.apache.commons.cli.help.X"]
    assert accuracy.project_prefixes(changed) == frozenset({"org.apache.commons"})
    prefixes = accuracy.project_prefixes(changed, 4)
    assert prefixes == frozenset({"org.apache.commons.cli"})
    assert accuracy.is_library("junit.framework.Assert", prefixes)
    assert accuracy.is_library("org.apache.commons.clix.Y", prefixes)
    assert not accuracy.is_library("org/apache/commons/cli/Parser.java", prefixes)
    assert not accuracy.is_library("(unmapped)", prefixes)


def test_a_class_under_test_in_the_tests_own_package_is_no_library():
    test = "org.mockitousage.bugs.NPEWithCertainMatchersTest"
    assert accuracy.in_test_package("org.mockitousage.bugs.NPEWithCertainMatchers", test)
    assert accuracy.in_test_package("org/mockitousage/bugs/Helper.java", test + "$Inner")
    assert not accuracy.in_test_package("org.mockitoutil.ClassLoaders", test)
    assert not accuracy.in_test_package("junit.framework.Assert", test)
    assert not accuracy.in_test_package("(unmapped)", test)


TRIGGER = """--- org.example.app.ParserTest::testParse
java.lang.IllegalStateException: bad <input> & "quotes"\x01
\tat java.util.ArrayList.get(ArrayList.java:10)
\tat org.example.app.Parser.parse(Parser.java:42)
\tat org.example.app.ParserTest.testParse(ParserTest.java:7)
--- org.example.app.TestLexer::testLex
junit.framework.AssertionFailedError
\tat junit.framework.Assert.fail(Assert.java:55)
\tat org.example.app.TestLexer.testLex(TestLexer.java:9)
Caused by: java.lang.NullPointerException
\tat java.base/java.util.Objects.requireNonNull(Objects.java:1)
\tat org.example.app.Lexer$State.next(Lexer.java:3)
"""


def test_trigger_tests_and_the_naive_rule():
    first, second = accuracy.trigger_tests(TRIGGER)
    assert (first.classname, first.name, first.test_id) == ("org.example.app.ParserTest", "testParse",
                                                            "org.example.app.ParserTest.testParse")
    assert first.message.startswith("java.lang.IllegalStateException: bad <input>")
    prefixes = {"org.example.app"}
    assert accuracy.naive_component(first, prefixes) == "org.example.app.Parser"
    assert accuracy.naive_component(second, prefixes) == "org.example.app.Lexer"  # the root cause's frame
    only_test = accuracy.TriggerTest("org.example.app.LexerTests", "t", "java.lang.Error\n\tat org.junit.X.y(X.java:1)")
    assert accuracy.naive_component(only_test, prefixes) == "org.example.app.Lexer"


def test_junit_xml_escapes_what_it_writes():
    tests = accuracy.trigger_tests(TRIGGER)
    root = fromstring(accuracy.junit_xml("Example <&>", tests))
    cases = root.findall("testcase")
    assert [c.get("name") for c in cases] == ["testParse", "testLex"]
    failure = cases[0].find("failure")
    assert failure is not None
    assert failure.get("message") == 'java.lang.IllegalStateException: bad <input> & "quotes"?'
    assert "at org.example.app.Parser.parse(Parser.java:42)" in (failure.text or "")


def test_heldout_defects_scores_each_project_without_the_label_column(corpus: Path, tmp_path: Path) -> None:
    import csv

    csv.field_size_limit(sys.maxsize)
    with (corpus / "labelled" / "nlbse2024" / "issues_train.csv").open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        columns, rows = list(reader.fieldnames or []), list(reader)
    picked = [row for repo in sorted({r["repo"] for r in rows}) for row in [r for r in rows if r["repo"] == repo][:12]]
    source = tmp_path / "held.csv"
    accuracy.write_variant(picked, columns, source, 20_000)
    work = tmp_path / "work"
    work.mkdir()
    results = accuracy.heldout_defects(source, work)
    *projects, overall = results
    assert [r.run for r in projects] == sorted({r["repo"] for r in picked})
    assert overall.run == "all projects" and overall.exit_code in (0, 3) and not overall.error
    assert overall.rows == len(picked) == sum(r.rows for r in projects)
    assert overall.defects == sum(r.defects for r in projects)
    assert overall.true_positives == sum(r.true_positives for r in projects)
    # the label column is gone: with it, riskmap would count exactly the bugs
    analysed = (work / "heldout-issues.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    assert "label" not in analysed and "title" in analysed


def test_inex_defects_scores_the_issues_without_their_label(corpus: Path, tmp_path: Path) -> None:
    """Thirty InEx-Bug issues, analysed without final_classification: each row's counts agree with the truth."""
    lines = (corpus / accuracy.INEX).read_text(encoding="utf-8").splitlines()[:30]
    root = tmp_path / "corpus"
    (root / accuracy.INEX).parent.mkdir(parents=True)
    (root / accuracy.INEX).write_text("\n".join(lines) + "\n", encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    both, every, intrinsic, _ = accuracy.inex_defects(root, work)
    labels = [json.loads(line)[accuracy.INEX_LABEL] for line in lines]
    assert both.exit_code in (0, 3) and not both.error and both.rows == both.records == 30
    assert every.true_positives == sum(label in ("Intrinsic", "Extrinsic") for label in labels)
    assert 0 < both.defects < 30 and both.true_positives <= every.true_positives
    assert intrinsic.defects == both.defects and intrinsic.true_positives <= both.true_positives
    analysed = (work / "inex-issues.jsonl").read_text(encoding="utf-8")
    assert accuracy.INEX_LABEL not in analysed and '"title"' in analysed


def test_variable_words_changes_the_grouping_and_is_restored(corpus: Path) -> None:
    """Linux's user names merge at the shipped VARIABLE_WORDS and stay apart when merging is off; the miner's
    own value is back afterwards."""
    from riskmap.ingest.logs import mining

    shipped = mining.VARIABLE_WORDS
    base = corpus / "logs" / "loghub"
    merged, apart = accuracy.ga_with(base, "Linux", shipped), accuracy.ga_with(base, "Linux", 10**9)
    assert merged > apart
    assert shipped == mining.VARIABLE_WORDS
