"""Accuracy of riskmap on labelled real data: placement (Defects4J), defects (NLBSE'24, InEx-Bug), log templates
(Loghub).

riskmap is driven only through its command line (``python -m riskmap analyze ... -r json`` and
``python -m riskmap templates LOG --output F.csv``), run as child processes from a temporary
folder, so the benchmark keeps working while riskmap's internals change. The scoring functions
(``placed_correctly``, ``is_library``, ``naive_component``, ``defect_scores``, ``grouping_accuracy``)
are pure and tested in tests/test_accuracy_bench.py.

Usage: ``python benchmarks/accuracy.py [--part placement|defects|logs|all] [--corpus DIR]
[--defects4j DIR] [--nlbse-test FILE] [--json FILE]``. It prints a table per part and never fails a build.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

REPO = Path(__file__).resolve().parent.parent
UNMAPPED = "(unmapped)"
#: Body length kept in the diagnostic "cut" runs of the defects part (riskmap's CSV reader stops at 131,072).
CUT_AT = 100_000
#: The nine Loghub systems: (where under the corpus, system name).
LOG_SYSTEMS = (
    *(("logs/loghub", s) for s in ("HDFS", "Apache", "Linux")),
    *(("labelled/loghub_2k_corrected", s)
      for s in ("Hadoop", "HealthApp", "OpenSSH", "Spark", "Zookeeper", "Proxifier")),
)
_FRAME = re.compile(r"^\s*at\s+(?:[\w.$-]+(?:@[^/]*)?/)?([\w$.]+)\.([\w$<>-]+)\(")
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SOURCE_SUFFIX = re.compile(r"\.(java|kt|scala|groovy)$")

csv.field_size_limit(sys.maxsize)


# ---------------------------------------------------------------- running riskmap


def run_riskmap(args: Sequence[str | Path], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``python -m riskmap ARGS`` as a child process in ``cwd`` (so no riskmap.toml of ours applies)."""
    return subprocess.run([sys.executable, "-m", "riskmap", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, check=False)


def analyze_json(inputs: Sequence[Path], work: Path) -> tuple[dict, int, str]:
    """report.json of ``riskmap analyze INPUTS -r json -q``, its exit code and the first line of its stderr."""
    out = work / f"report-{inputs[0].stem}"
    done = run_riskmap(["analyze", *inputs, "--out", out, "-r", "json", "-q"], work)
    report_file = out / "report.json"
    report = json.loads(report_file.read_text(encoding="utf-8")) if report_file.exists() else {}
    return report, done.returncode, (done.stderr.strip().splitlines() or [""])[0]


def corpus_root(given: Path | None) -> Path:
    """The corpus folder: ``--corpus``, else $RISKMAP_CORPUS, else ../shared/corpus relative to the repository
    root (or, from a worktree under wt/, ../../shared/corpus)."""
    if given is not None:
        return given
    if os.environ.get("RISKMAP_CORPUS"):
        return Path(os.environ["RISKMAP_CORPUS"])
    candidates = [REPO.parent / "shared" / "corpus", REPO.parent.parent / "shared" / "corpus"]
    return next((c for c in candidates if c.is_dir()), candidates[0])


# ---------------------------------------------------------------- 1. placement (Defects4J, issue #16)


@dataclass
class TriggerTest:
    """One failing test of a Defects4J bug: ``--- pkg.Class::method``, then its message and stack trace."""

    classname: str
    name: str
    text: str

    @property
    def message(self) -> str:
        """The failure's first line."""
        return self.text.split("\n", 1)[0].strip()

    @property
    def test_id(self) -> str:
        """The id riskmap gives a JUnit test: ``classname.name``."""
        return f"{self.classname}.{self.name}"


@dataclass
class Bug:
    """A Defects4J bug: its first trigger test and the classes its fix changed."""

    bug_id: str
    test: TriggerTest
    modified: tuple[str, ...]


def trigger_tests(text: str) -> list[TriggerTest]:
    """The test blocks of a Defects4J ``trigger_tests/<id>`` file, in file order."""
    tests: list[TriggerTest] = []
    for block in re.split(r"^--- ", text, flags=re.MULTILINE)[1:]:
        head, _, body = block.partition("\n")
        classname, _, name = head.strip().partition("::")
        tests.append(TriggerTest(classname, name or "(unnamed)", body.rstrip()))
    return tests


def read_project(folder: Path) -> list[Bug]:
    """The bugs of one Defects4J project folder (``trigger_tests/<id>``, ``modified_classes/<id>.src``), by id."""
    bugs = []
    for test_file in (folder / "trigger_tests").iterdir():
        classes_file = folder / "modified_classes" / f"{test_file.name}.src"
        if not classes_file.exists():
            continue
        tests = trigger_tests(test_file.read_text(encoding="utf-8", errors="replace"))
        modified = tuple(c.strip() for c in classes_file.read_text(encoding="utf-8").splitlines() if c.strip())
        if tests and modified:
            bugs.append(Bug(test_file.name, tests[0], modified))
    return sorted(bugs, key=lambda b: (len(b.bug_id), b.bug_id))


def junit_xml(suite: str, tests: Iterable[TriggerTest]) -> str:
    """A JUnit XML report with one failing testcase per test, every text and attribute escaped."""
    def clean(text: str) -> str:
        return _XML_ILLEGAL.sub("?", text)

    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f"<testsuite name={quoteattr(clean(suite))}>"]
    for test in tests:
        lines.append(
            f"  <testcase classname={quoteattr(clean(test.classname))} name={quoteattr(clean(test.name))}>"
            f"<failure message={quoteattr(clean(test.message))}>{escape(clean(test.text))}</failure></testcase>"
        )
    lines.append("</testsuite>")
    return "\n".join(lines) + "\n"


def dotted(component: str) -> str:
    """A component as a dotted path: ``a/b/C.java`` -> ``a.b.C``; a dotted name stays as it is."""
    return _SOURCE_SUFFIX.sub("", component.strip()).replace("/", ".").replace("\\", ".").strip(".")


def top_level(cls: str) -> str:
    """A class without its inner classes: ``a.B$C`` -> ``a.B``. A name that starts with ``$`` is
    generated-style and keeps its first two parts (Gson's ``$Gson$Types``, inner ``$Gson$Types$Impl``)."""
    package, _, name = cls.rpartition(".")
    parts = name.split("$")
    outer = "$".join(parts[:3]) if name.startswith("$") else parts[0]
    return f"{package}.{outer}" if package else outer


def simple_name(path: str) -> str:
    """The class a dotted path names: its last segment that starts with a capital (so a ``.method`` suffix is
    passed over), else its last segment; inner classes stripped."""
    segments = [top_level(s) for s in dotted(path).split(".") if s]
    for segment in reversed(segments):
        if segment[:1].isupper():
            return segment
    return segments[-1] if segments else ""


def _contains(path: str, prefix: str) -> bool:
    """``prefix`` occurs in the dotted ``path`` on whole segments."""
    return f".{prefix}." in f".{path}."


def placed_correctly(component: str | None, modified: Iterable[str]) -> bool:
    """A component names a class the fix changed: by fully qualified name (on whole dotted segments, so
    ``pkg.Class``, ``src/pkg/Class.java`` and ``pkg.Class.method`` all match ``pkg.Class``), failing that
    by the simple top-level class name. ``(unmapped)`` and empty components never match."""
    if not component or component == UNMAPPED:
        return False
    path = dotted(component)
    classes = [top_level(c.strip()) for c in modified if c.strip()]
    if any(_contains(path, cls) for cls in classes):
        return True
    name = simple_name(path)
    return bool(name) and any(cls.rsplit(".", 1)[-1] == name for cls in classes)


def project_prefixes(modified: Iterable[str], segments: int = 3) -> frozenset[str]:
    """A project's own packages: the first ``segments`` (3) segments of the classes its fixes changed
    (``org.apache.commons``; 4 gives ``org.apache.commons.cli``)."""
    return frozenset(".".join(c.strip().split(".")[:segments]) for c in modified if c.strip())


def is_library(component: str | None, prefixes: Iterable[str]) -> bool:
    """A placed component outside the project's own packages (JUnit, Ant, the JDK ...); ``(unmapped)`` is not one."""
    if not component or component == UNMAPPED:
        return False
    path = dotted(component)
    return not any(_contains(path, prefix) for prefix in prefixes)


def in_test_package(component: str | None, test_class: str) -> bool:
    """A placed component in the failing test's own package (``org.mockitousage.bugs.Foo`` for
    ``org.mockitousage.bugs.FooTest``): the class under test named after the test, which is no library even
    where that package holds tests only."""
    if not component or component == UNMAPPED:
        return False
    return dotted(component).rpartition(".")[0] == top_level(test_class).rpartition(".")[0]


def is_test_class(cls: str) -> bool:
    """A test class: its simple top-level name ends with Test or Tests, or starts with Test."""
    name = top_level(cls).rsplit(".", 1)[-1]
    return name.endswith(("Test", "Tests")) or name.startswith("Test")


def frame_classes(text: str) -> list[list[str]]:
    """The classes of a Java stack trace's ``at`` frames, innermost first, one list per section
    (the trace, then each ``Caused by:``)."""
    sections: list[list[str]] = [[]]
    for line in text.splitlines():
        if line.startswith("Caused by:"):
            sections.append([])
        elif match := _FRAME.match(line):
            sections[-1].append(match.group(1))
    return sections


def naive_component(test: TriggerTest, prefixes: Iterable[str]) -> str:
    """The issue's reference rule: the innermost frame that is neither a library nor a test frame (root
    cause first, then the outer sections), else the test class without its Test suffix (or prefix)."""
    prefixes = tuple(prefixes)
    for section in reversed(frame_classes(test.text)):
        for cls in section:
            if not is_library(cls, prefixes) and not is_test_class(cls):
                return top_level(cls)
    package, _, name = top_level(test.classname).rpartition(".")
    for suffix in ("Tests", "Test"):
        if name.endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
            break
    else:
        if name.startswith("Test") and len(name) > 4:
            name = name[4:]
    return f"{package}.{name}" if package else name


@dataclass
class PlacementRow:
    """Placement figures of one project."""

    project: str
    bugs: int = 0
    correct: int = 0
    in_library: int = 0
    in_tests: int = 0
    unmapped: int = 0
    naive_correct: int = 0
    shared_tests: int = 0
    error: str = ""

    @property
    def share(self) -> float:
        """Bugs placed correctly by riskmap / bugs."""
        return self.correct / self.bugs if self.bugs else 0.0

    @property
    def naive_share(self) -> float:
        """Bugs placed correctly by the naive reference rule / bugs."""
        return self.naive_correct / self.bugs if self.bugs else 0.0


def measure_project(folder: Path, work: Path, segments: int = 3) -> PlacementRow:
    """Write a project's first trigger tests as one JUnit report, analyse it, and score every bug's record."""
    row = PlacementRow(folder.name)
    bugs = read_project(folder)
    row.bugs = len(bugs)
    prefixes = project_prefixes((c for bug in bugs for c in bug.modified), segments)
    unique = {bug.test.test_id: bug.test for bug in bugs}
    row.shared_tests = len(bugs) - len(unique)
    report_file = work / f"{folder.name}.xml"
    report_file.write_text(junit_xml(folder.name, unique.values()), encoding="utf-8")
    report, code, stderr = analyze_json([report_file], work)
    if code not in (0, 3):
        row.error = f"exit {code}: {stderr}"
    by_id = {r["id"]: r for r in report.get("records", [])}
    for bug in bugs:
        component = by_id.get(bug.test.test_id, {}).get("component")
        row.correct += placed_correctly(component, bug.modified)
        outside = is_library(component, prefixes)
        in_tests = outside and in_test_package(component, bug.test.classname)
        row.in_library += outside and not in_tests
        row.in_tests += in_tests
        row.unmapped += component in (None, UNMAPPED)
        row.naive_correct += placed_correctly(naive_component(bug.test, prefixes), bug.modified)
    return row


def defects4j_projects(root: Path) -> list[Path]:
    """The project folders under a Defects4J root (each with trigger_tests/ and modified_classes/)."""
    return sorted(p for p in root.iterdir() if (p / "trigger_tests").is_dir() and (p / "modified_classes").is_dir())


def placement(root: Path, work: Path, segments: int = 3) -> list[PlacementRow]:
    """Placement figures per project and a total row; ``segments`` long prefixes of the changed classes are the
    project's own packages."""
    rows = [measure_project(folder, work, segments) for folder in defects4j_projects(root)]
    total = PlacementRow("total")
    for row in rows:
        for name in ("bugs", "correct", "in_library", "in_tests", "unmapped", "naive_correct", "shared_tests"):
            setattr(total, name, getattr(total, name) + getattr(row, name))
    return [*rows, total]


def print_placement(title: str, rows: list[PlacementRow]) -> None:
    """The placement table."""
    print(f"\n{title}")
    print(f"  {'project':15} {'bugs':>5} {'placed ok':>9} {'share':>6} {'library':>7} {'test pkg':>8} {'unmapped':>8}"
          f" {'naive ok':>8} {'naive':>6}")
    for r in rows:
        print(f"  {r.project:15} {r.bugs:5} {r.correct:9} {r.share:6.3f} {r.in_library:7} {r.in_tests:8} {r.unmapped:8}"
              f" {r.naive_correct:8} {r.naive_share:6.3f}{'  ' + r.error if r.error else ''}")
    shared = rows[-1].shared_tests if rows else 0
    if shared:
        print(f"  ({shared} bugs share their first trigger test with an earlier bug of their project: one testcase,"
              " one record)")
    print("  (library: outside the packages of the classes the fixes changed; test pkg: outside them too, but in the"
          " failing test's own package, i.e. the class under test named after the test)")


# ---------------------------------------------------------------- 2. defects (NLBSE'24 issues, issue #11)


@dataclass
class DefectRow:
    """Defect precision and recall of one run over the labelled issues."""

    run: str
    exit_code: int | None
    rows: int
    records: int
    skipped: int
    defects: int
    true_positives: int
    precision: float
    recall: float
    f1: float
    error: str = ""


def defect_scores(predicted: Sequence[bool], actual: Sequence[bool]) -> tuple[int, float, float, float]:
    """True positives, precision, recall and F1 of predicted defects against the labels (0.0 where undefined)."""
    tp = sum(p and a for p, a in zip(predicted, actual, strict=True))
    flagged, relevant = sum(predicted), sum(actual)
    precision = tp / flagged if flagged else 0.0
    recall = tp / relevant if relevant else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return tp, precision, recall, f1


def row_lines(path: Path) -> list[int]:
    """The physical line each data row of a CSV file ends on: what riskmap's CSV reader puts in its locator."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        return [reader.line_num for _ in reader]


def write_variant(rows: list[dict[str, str]], columns: list[str], path: Path, cut: int | None) -> None:
    """The issues as a CSV file with only ``columns``, bodies optionally cut to ``cut`` characters."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, columns, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, "body": row["body"][:cut]} if cut else row)


def counted_rows(path: Path, work: Path) -> tuple[list[bool], dict, int, str]:
    """Analyse one CSV file: whether each data row became a record that counts as a defect (``excluded`` null
    or absent), the report, the exit code and the first line of stderr."""
    lines = row_lines(path)
    index = {f"line {line}": i for i, line in enumerate(lines)}
    report, code, stderr = analyze_json([path], work)
    predicted = [False] * len(lines)
    for record in report.get("records", []):
        source = record.get("source") or {}
        i = index.get(source.get("locator", "")) if source.get("path", "").endswith(path.name) else None
        if i is not None and record.get("excluded") is None:
            predicted[i] = True
    return predicted, report, code, stderr


def measure_defects(name: str, path: Path, labels: Sequence[bool], work: Path) -> DefectRow:
    """Analyse one CSV file and score the records that count as defects (``excluded`` null or absent)."""
    predicted, report, code, stderr = counted_rows(path, work)
    tp, precision, recall, f1 = defect_scores(predicted, labels)
    return DefectRow(name, code, len(predicted), len(report.get("records", [])), len(report.get("skipped", [])),
                     sum(predicted), tp, precision, recall, f1, "" if code in (0, 3) else stderr)


def defects(root: Path, work: Path) -> list[DefectRow]:
    """Defect figures with and without the label column (and, as a diagnostic, with over-long bodies cut),
    plus the "every issue is a defect" reference."""
    source = root / "labelled" / "nlbse2024" / "issues_train.csv"
    with source.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        columns, rows = list(reader.fieldnames or []), list(reader)
    labels = [row["label"].strip().lower() == "bug" for row in rows]
    no_label = [c for c in columns if c != "label"]
    variants = [("as is", source)]
    for name, cols, cut in (("no label column", no_label, None), (f"as is, bodies cut to {CUT_AT:,}", columns, CUT_AT),
                            (f"no label, bodies cut to {CUT_AT:,}", no_label, CUT_AT)):
        target = work / f"issues-{len(variants)}.csv"
        write_variant(rows, cols, target, cut)
        variants.append((name, target))
    results = [measure_defects(name, path, labels, work) for name, path in variants]
    tp, precision, recall, f1 = defect_scores([True] * len(labels), labels)
    results.append(DefectRow("reference: every issue a defect", None, len(labels), len(labels), 0, len(labels),
                             tp, precision, recall, f1))
    return results


def heldout_defects(source: Path, work: Path) -> list[DefectRow]:
    """Defect figures on held-out labelled issues (an NLBSE-shaped CSV: repo, label, title, body ...) analysed
    with the label column removed: one row per project, then all of them."""
    with source.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        columns, rows = list(reader.fieldnames or []), list(reader)
    labels = [row["label"].strip().lower() == "bug" for row in rows]
    target = work / "heldout-issues.csv"
    write_variant(rows, [c for c in columns if c != "label"], target, None)
    predicted, _report, code, stderr = counted_rows(target, work)
    results = []
    for repo in [*sorted({row.get("repo", "") for row in rows}), None]:
        keep = [repo is None or row.get("repo", "") == repo for row in rows]
        guess = [p for p, k in zip(predicted, keep, strict=True) if k]
        truth = [a for a, k in zip(labels, keep, strict=True) if k]
        tp, precision, recall, f1 = defect_scores(guess, truth)
        results.append(DefectRow(repo or "all projects", code, len(guess), len(guess), 0, sum(guess), tp,
                                 precision, recall, f1, "" if code in (0, 3) or repo else stderr))
    return results


def print_heldout_defects(source: Path, rows: list[DefectRow]) -> None:
    """The held-out defects table: per project, then overall."""
    print(f"\nDefects, held-out issues without the label column ({source.name}), counted as defects vs label == bug")
    print(f"  {'project':34} {'rows':>5} {'bugs?':>5} {'TP':>4} {'prec':>6} {'recall':>6} {'F1':>6}")
    for r in rows:
        print(f"  {r.run:34} {r.rows:5} {r.defects:5} {r.true_positives:4} {r.precision:6.3f} {r.recall:6.3f}"
              f" {r.f1:6.3f}")
        if r.error:
            print(f"  {'':34} {r.error[:150]}")


#: InEx-Bug's closed npm issues (GitHub REST shape, one per line) and its manual label field: Intrinsic (a bug in
#: the project's code), Extrinsic (a bug from outside it: a dependency, the platform) or Not a Bug.
INEX = Path("bugs") / "inex-bug-npm" / "msrv3_closed.jsonl"
INEX_LABEL = "final_classification"


def inex_defects(root: Path, work: Path) -> list[DefectRow]:
    """Defect figures on InEx-Bug's issues, none of which riskmap's rules or model were chosen on: the issues
    analysed without their label field, scored against two truths (Intrinsic or Extrinsic; Intrinsic alone)."""
    issues = [json.loads(line) for line in (root / INEX).read_text(encoding="utf-8").splitlines() if line.strip()]
    target = work / "inex-issues.jsonl"
    target.write_text("".join(json.dumps({k: v for k, v in issue.items() if k != INEX_LABEL}) + "\n"
                              for issue in issues), encoding="utf-8")
    report, code, stderr = analyze_json([target], work)
    predicted = [False] * len(issues)
    for record in report.get("records", []):
        locator = (record.get("source") or {}).get("locator", "")
        if locator.startswith("line ") and record.get("excluded") is None:
            predicted[int(locator[5:]) - 1] = True
    error = "" if code in (0, 3) else stderr
    results = []
    for name, bugs in (("Intrinsic or Extrinsic", ("Intrinsic", "Extrinsic")), ("Intrinsic alone", ("Intrinsic",))):
        truth = [issue.get(INEX_LABEL) in bugs for issue in issues]
        tp, precision, recall, f1 = defect_scores(predicted, truth)
        results.append(DefectRow(name, code, len(issues), len(report.get("records", [])),
                                 len(report.get("skipped", [])), sum(predicted), tp, precision, recall, f1, error))
        tp, precision, recall, f1 = defect_scores([True] * len(issues), truth)
        results.append(DefectRow("  reference: every issue a defect", None, len(issues), len(issues), 0,
                                 len(issues), tp, precision, recall, f1))
    return results


def print_inex_defects(rows: list[DefectRow]) -> None:
    """The InEx-Bug table: the records counted as defects against each truth."""
    print(f"\nDefects, held out: InEx-Bug's closed npm issues ({INEX}) without {INEX_LABEL}, counted as defects vs")
    print_defect_rows("truth: a defect is", rows)


def print_defect_rows(first: str, rows: list[DefectRow]) -> None:
    """A defects table: each run's exit code, rows, records, skipped, defects, true positives and scores."""
    print(f"  {first:34} {'exit':>4} {'rows':>5} {'records':>7} {'skipped':>7} {'defects':>7} {'TP':>4}"
          f" {'prec':>6} {'recall':>6} {'F1':>6}")
    for r in rows:
        code = "" if r.exit_code is None else str(r.exit_code)
        print(f"  {r.run:34} {code:>4} {r.rows:5} {r.records:7} {r.skipped:7} {r.defects:7} {r.true_positives:4}"
              f" {r.precision:6.3f} {r.recall:6.3f} {r.f1:6.3f}")
        if r.error:
            print(f"  {'':34} {r.error[:150]}")


#: The shipped defect model, whose file records its cross-validated figures (benchmarks/train_defect_model.py).
DEFECT_MODEL = REPO / "riskmap" / "analyze" / "defect_model.json"


def cross_validated() -> dict[str, float]:
    """The cross-validated figures the training script stored in the shipped model (empty if none)."""
    try:
        stored = json.loads(DEFECT_MODEL.read_text(encoding="utf-8")).get("leave_one_project_out", {})
    except (OSError, ValueError):
        return {}
    return {str(k): float(v) for k, v in stored.items()}


def print_defects(rows: list[DefectRow]) -> None:
    """The defects table, then the cross-validated defect F1 without the label column."""
    print("\nDefects: NLBSE'24 issues_train.csv, records counted as defects vs label == bug")
    print_defect_rows("run", rows)
    cv = cross_validated()
    if cv:
        print("  no label column, cross-validated (form rules, then the model trained without the held-out issues;"
              " from benchmarks/train_defect_model.py):")
        print(f"    leave one project out, mean over the 5 projects: defect F1 {cv.get('f1', float('nan')):.3f}"
              f" (precision {cv.get('precision', float('nan')):.3f}, recall {cv.get('recall', float('nan')):.3f})")
        if "stratified_5fold_f1" in cv:
            print(f"    stratified 5-fold, projects mixed:              defect F1 {cv['stratified_5fold_f1']:.3f}")


# ---------------------------------------------------------------- 3. logs (Loghub, issue #12)


def grouping_accuracy(predicted: Sequence[Hashable], truth: Sequence[Hashable]) -> float:
    """Grouping accuracy (Loghub, Zhu et al. 2019): the share of lines whose set of lines sharing their
    predicted group equals the set sharing their true group; 1.0 for no lines."""
    if len(predicted) != len(truth):
        raise ValueError("one predicted group per line")
    if not truth:
        return 1.0
    by_guess: dict[Hashable, list[int]] = {}
    by_truth: dict[Hashable, list[int]] = {}
    for i, (guess, actual) in enumerate(zip(predicted, truth, strict=True)):
        by_guess.setdefault(guess, []).append(i)
        by_truth.setdefault(actual, []).append(i)
    correct = sum(len(members) for members in by_guess.values() if by_truth[truth[members[0]]] == members)
    return correct / len(truth)


@dataclass
class LogRow:
    """Grouping accuracy of one Loghub system."""

    system: str
    source: str
    lines: int = 0
    true_templates: int = 0
    predicted_templates: int = 0
    ga_template: float = 0.0
    ga_event_id: float = 0.0
    error: str = ""


def measure_log(base: Path, system: str, where: str, work: Path) -> LogRow:
    """``riskmap templates`` on one system's 2k log, scored against its corrected structured CSV."""
    row = LogRow(system, where)
    folder = base / system
    log, truth_file = folder / f"{system}_2k.log", folder / f"{system}_2k.log_structured_corrected.csv"
    if not (log.exists() and truth_file.exists()):
        row.error = "missing from the corpus"
        return row
    truth = read_truth(truth_file)
    out = work / f"{system}-templates.csv"
    done = run_riskmap(["templates", log, "--output", out], work)
    guessed: dict[int, str] = {}
    if done.returncode == 0 and out.exists():
        with out.open(encoding="utf-8", newline="") as handle:
            guessed = {int(r["line"]): r["template_id"] for r in csv.DictReader(handle)}
    else:
        row.error = f"exit {done.returncode}: {(done.stderr.strip().splitlines() or [''])[-1]}"
    # a line riskmap gave no template is a group of its own
    predicted = [guessed.get(line, f"\x00missing {line}") for line, _, _ in truth]
    row.lines = len(truth)
    row.true_templates = len({t for _, t, _ in truth})
    row.predicted_templates = len(set(predicted))
    row.ga_template = grouping_accuracy(predicted, [t for _, t, _ in truth])
    row.ga_event_id = grouping_accuracy(predicted, [e for _, _, e in truth])
    return row


def read_truth(truth_file: Path) -> list[tuple[int, str, str]]:
    """(line, template, event id) of every line of a Loghub structured CSV."""
    with truth_file.open(encoding="utf-8", newline="") as handle:
        return [(int(r["LineId"]), r["EventTemplate"], r["EventId"]) for r in csv.DictReader(handle)]


#: The values of ``mining.VARIABLE_WORDS`` (the one threshold of the miner chosen on data) that leave one
#: system out chooses from; 10**9 is "never".
VARIABLE_WORDS_CHOICES = (2, 3, 4, 5, 6, 8, 10**9)


def ga_with(base: Path, system: str, variable_words: int) -> float:
    """Grouping accuracy by template of one system's 2k log, mined in this process with ``VARIABLE_WORDS`` set."""
    from riskmap import pipeline
    from riskmap.ingest.logs import mining
    from riskmap.ingest.logs.mined import template_rows

    folder = base / system
    truth = read_truth(folder / f"{system}_2k.log_structured_corrected.csv")
    kept, mining.VARIABLE_WORDS = mining.VARIABLE_WORDS, variable_words
    try:
        guessed = {line: tid for line, tid, _ in template_rows(pipeline.mine_log(folder / f"{system}_2k.log", True))}
    finally:
        mining.VARIABLE_WORDS = kept
    return grouping_accuracy([guessed.get(line, f"\x00missing {line}") for line, _, _ in truth],
                             [t for _, t, _ in truth])


def leave_one_system_out(root: Path) -> tuple[dict[int, list[float]], list[tuple[int, float]]]:
    """GA of the nine systems for every ``VARIABLE_WORDS`` choice, and for each system the value chosen on the
    other eight (best mean, ties to the smaller) with the system's GA at it."""
    table = {v: [ga_with(root / where, system, v) for where, system in LOG_SYSTEMS] for v in VARIABLE_WORDS_CHOICES}
    held = []
    for i in range(len(LOG_SYSTEMS)):
        others = {v: sum(g for j, g in enumerate(gas) if j != i) for v, gas in table.items()}
        chosen = min(others, key=lambda v: (-round(others[v], 9), v))
        held.append((chosen, table[chosen][i]))
    return table, held


def print_leave_one_system_out(table: dict[int, list[float]], held: list[tuple[int, float]]) -> None:
    """The threshold sweep and the leave-one-system-out row, with their means."""
    names = [system for _, system in LOG_SYSTEMS]
    print("\nLogs: leave one system out (VARIABLE_WORDS chosen on the other eight, ties to the smaller; the ninth"
          " scored), GA by template")
    print(f"  {'VARIABLE_WORDS':14} " + " ".join(f"{n[:9]:>9}" for n in names) + f" {'mean':>6}")
    for value, gas in table.items():
        label = "never" if value >= 10**9 else str(value)
        print(f"  {label:14} " + " ".join(f"{g:9.3f}" for g in gas) + f" {sum(gas) / len(gas):6.3f}")
    print(f"  {'held out':14} " + " ".join(f"{g:5.3f} ({v if v < 10**9 else '-'})" for v, g in held)
          + f" {sum(g for _, g in held) / len(held):6.3f}")


def logs(root: Path, work: Path) -> list[LogRow]:
    """Grouping accuracy of the nine systems and their mean."""
    return with_mean([measure_log(root / where, system, where, work) for where, system in LOG_SYSTEMS])


def heldout_logs(folder: Path, work: Path) -> list[LogRow]:
    """Grouping accuracy of every ``<System>/<System>_2k.log`` (with its corrected CSV) under ``folder``."""
    systems = sorted(p.name for p in folder.iterdir() if (p / f"{p.name}_2k.log").exists())
    return with_mean([measure_log(folder, system, folder.name, work) for system in systems])


def with_mean(rows: list[LogRow]) -> list[LogRow]:
    """The rows and a last row with their mean grouping accuracy."""
    scored = [r for r in rows if r.lines]
    mean = LogRow("mean", f"{len(scored)} systems", sum(r.lines for r in scored),
                  ga_template=sum(r.ga_template for r in scored) / len(scored) if scored else 0.0,
                  ga_event_id=sum(r.ga_event_id for r in scored) / len(scored) if scored else 0.0)
    return [*rows, mean]


def print_logs(rows: list[LogRow], title: str = "Loghub 2k files") -> None:
    """The logs table."""
    print(f"\nLogs: grouping accuracy of `riskmap templates` on {title} (truth: corrected templates)")
    print(f"  {'system':10} {'source':29} {'lines':>5} {'true':>5} {'found':>5} {'GA tmpl':>7} {'GA id':>7}")
    for r in rows:
        print(f"  {r.system:10} {r.source:29} {r.lines:5} {r.true_templates or '':>5} {r.predicted_templates or '':>5}"
              f" {r.ga_template:7.3f} {r.ga_event_id:7.3f}{'  ' + r.error if r.error else ''}")


# ---------------------------------------------------------------- main


@dataclass
class Figures:
    """Everything the benchmark measured, as saved by ``--json``."""

    placement: list[dict] = field(default_factory=list)
    placement_heldout: list[dict] = field(default_factory=list)
    defects: list[dict] = field(default_factory=list)
    defects_heldout: list[dict] = field(default_factory=list)
    defects_inex: list[dict] = field(default_factory=list)
    logs: list[dict] = field(default_factory=list)
    logs_heldout: list[dict] = field(default_factory=list)
    logs_leave_one_out: list[dict] = field(default_factory=list)


def _with_shares(row: PlacementRow) -> dict:
    return {**asdict(row), "share": round(row.share, 4), "naive_share": round(row.naive_share, 4)}


def main(argv: Sequence[str] | None = None) -> None:
    """Parse the options, run the chosen parts, print their tables, save the figures with ``--json``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=("placement", "defects", "logs", "all"), default="all")
    parser.add_argument("--corpus", type=Path, help="the corpus folder (default $RISKMAP_CORPUS or ../shared/corpus)")
    parser.add_argument("--defects4j", type=Path,
                        help="another Defects4J framework/projects folder (held-out projects)")
    parser.add_argument("--loghub", type=Path,
                        help="another loghub_2k_corrected folder (held-out systems: <System>/<System>_2k.log ...)")
    parser.add_argument("--prefix-segments", type=int, default=3, metavar="N",
                        help="a project's own packages: the first N segments of its changed classes (default 3)")
    parser.add_argument("--nlbse-test", type=Path, metavar="FILE",
                        help="held-out labelled issues (NLBSE'24 issues_test.csv shape): with --part defects, "
                        "analyse them without the label column and print defect precision, recall and F1")
    parser.add_argument("--loso", action="store_true",
                        help="with --part logs: also choose the miner's VARIABLE_WORDS leaving one development"
                        " system out, and print each system's GA at the value chosen on the other eight")
    parser.add_argument("--json", type=Path, help="save the figures to this JSON file")
    args = parser.parse_args(argv)
    root = corpus_root(args.corpus)
    figures = Figures()
    parts = ("placement", "defects", "logs") if args.part == "all" else (args.part,)
    with tempfile.TemporaryDirectory(prefix="riskmap-accuracy-") as folder:
        work = Path(folder)
        if "placement" in parts:
            rows = placement(root / "labelled" / "defects4j", work, args.prefix_segments)
            print_placement("Placement: first trigger test of each Defects4J bug vs the classes its fix changed", rows)
            figures.placement = [_with_shares(r) for r in rows]
            if args.defects4j:
                held = work / "heldout"
                held.mkdir()
                rows = placement(args.defects4j, held, args.prefix_segments)
                print_placement(f"Placement, held-out projects ({args.defects4j})", rows)
                figures.placement_heldout = [_with_shares(r) for r in rows]
        if "defects" in parts:
            rows_d = defects(root, work)
            print_defects(rows_d)
            figures.defects = [{k: round(v, 4) if isinstance(v, float) else v for k, v in asdict(r).items()}
                               for r in rows_d]
            if (root / INEX).is_file():
                rows_i = inex_defects(root, work)
                print_inex_defects(rows_i)
                figures.defects_inex = [{k: round(v, 4) if isinstance(v, float) else v for k, v in asdict(r).items()}
                                        for r in rows_i]
            if args.nlbse_test:
                rows_t = heldout_defects(args.nlbse_test, work)
                print_heldout_defects(args.nlbse_test, rows_t)
                figures.defects_heldout = [{k: round(v, 4) if isinstance(v, float) else v
                                            for k, v in asdict(r).items()} for r in rows_t]
        if "logs" in parts:
            rows_l = logs(root, work)
            print_logs(rows_l)
            if args.loso:
                table, held = leave_one_system_out(root)
                print_leave_one_system_out(table, held)
                figures.logs_leave_one_out = [{"system": system, "chosen": v, "ga_template": round(g, 4)}
                                              for (_, system), (v, g) in zip(LOG_SYSTEMS, held, strict=True)]
            if args.loghub:
                rows_h = heldout_logs(args.loghub, work)
                print_logs(rows_h, f"held-out systems ({args.loghub})")
                figures.logs_heldout = [{k: round(v, 4) if isinstance(v, float) else v for k, v in asdict(r).items()}
                                        for r in rows_h]
            figures.logs = [{k: round(v, 4) if isinstance(v, float) else v for k, v in asdict(r).items()}
                            for r in rows_l]
    if args.json:
        args.json.write_text(json.dumps(asdict(figures), indent=2) + "\n", encoding="utf-8")
        print(f"\nfigures saved to {args.json}")


if __name__ == "__main__":
    main()
