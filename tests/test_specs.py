"""Spec drafts: Kiro and spec-kit structure, traceability to records, golden files, the CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from helpers import GOLDEN, ROOT, SAMPLE
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from riskmap.analyze.testing import LEVELS, catching_level
from riskmap.models import (
    CorrectnessProperty,
    Criterion,
    Layer,
    Severity,
    SpecDraft,
    SpecRecord,
    SpecRequirement,
    SpecTarget,
    SpecTask,
    Status,
    Tier,
)
from riskmap.render.specs import SpecRenderer, SpecStyle, escape_spec, is_untouched, stamp
from riskmap.text import CONTROL_CHARS

SAMPLE_IDS = {bug["id"] for bug in json.loads(SAMPLE.read_text(encoding="utf-8"))["bugs"]}
EARS = re.compile(r"^(WHEN .+ THEN THE \S+ SHALL |IF .+ THEN THE \S+ SHALL |WHILE .+ THE \S+ SHALL )"
                  r".+ \((?P<ids>[^()]+)\)$")
CITED = re.compile(r"BUG-\d+")
#: The first line of every spec file riskmap writes: its marker, with a hash of the rest of the file.
STAMPED = re.compile(r"<!-- riskmap:generated [0-9a-f]{16} -->")


def _specs(cli, tmp_path: Path, *args: str) -> Path:
    result = cli("spec", SAMPLE, "-q", *args, cwd=tmp_path)
    assert result.code == 0, result.stderr
    return tmp_path


def _requirements(text: str) -> dict[int, list[str]]:
    """Requirement number -> its acceptance criteria, parsed from a Kiro requirements.md."""
    found: dict[int, list[str]] = {}
    current = None
    in_criteria = False
    for line in text.splitlines():
        heading = re.match(r"^### Requirement (\d+)", line)
        if heading:
            current, in_criteria = int(heading.group(1)), False
            found[current] = []
        elif line == "#### Acceptance Criteria":
            in_criteria = True
        elif in_criteria and re.match(r"^\d+\. ", line):
            found[current].append(line.split(". ", 1)[1])
    return found


def test_kiro_specs_for_the_critical_and_high_components(cli, tmp_path):
    _specs(cli, tmp_path)
    cli("analyze", SAMPLE, "--out", tmp_path / "report", "-q", "-r", "json")
    report = json.loads((tmp_path / "report" / "report.json").read_text(encoding="utf-8"))
    urgent = [c["name"] for c in report["components"] if c["tier"] in ("critical", "high")]
    folders = sorted(p.name for p in (tmp_path / ".kiro" / "specs").iterdir())
    assert folders == sorted(name.replace(".", "-").replace("_", "-") for name in urgent)
    for folder in folders:
        assert sorted(p.name for p in (tmp_path / ".kiro" / "specs" / folder).iterdir()) == [
            "design.md", "requirements.md", "tasks.md"]


def test_requirements_have_the_kiro_structure_and_cite_real_records(cli, tmp_path):
    _specs(cli, tmp_path)
    for folder in (tmp_path / ".kiro" / "specs").iterdir():
        text = (folder / "requirements.md").read_text(encoding="utf-8")
        headings = [line for line in text.splitlines() if line.startswith("## ") or line.startswith("# ")]
        assert headings[:4] == ["# Requirements Document", "## Introduction", "## Glossary", "## Requirements"]
        assert re.search(r"^\*\*User Story:\*\* As .+, I want .+, so that .+\.$", text, re.M)
        requirements = _requirements(text)
        assert requirements and list(requirements) == list(range(1, len(requirements) + 1))
        for criteria in requirements.values():
            assert criteria
            for criterion in criteria:
                match = EARS.match(criterion)
                assert match, criterion
                ids = set(CITED.findall(match.group("ids")))
                assert ids and ids <= SAMPLE_IDS


def test_design_properties_validate_existing_criteria(cli, tmp_path):
    _specs(cli, tmp_path)
    for folder in (tmp_path / ".kiro" / "specs").iterdir():
        design = (folder / "design.md").read_text(encoding="utf-8")
        sections = [line[3:] for line in design.splitlines() if line.startswith("## ")]
        assert sections == ["Overview", "Architecture", "Components and Interfaces", "Data Models",
                            "Correctness Properties", "Error Handling", "Testing Strategy"]
        criteria = {f"{n}.{i}"
                    for n, items in _requirements((folder / "requirements.md").read_text(encoding="utf-8")).items()
                    for i in range(1, len(items) + 1)}
        properties = re.findall(r"^### Property \d+: .+\n\n(\*For any\*.+)\n\n"
                                r"\*\*Validates: Requirements ([\d., ]+)\*\*$",
                                design, re.M)
        assert properties
        for _, validates in properties:
            assert set(validates.split(", ")) <= criteria
        assert "src/" in design  # the component's real files


def test_tasks_end_with_requirements_and_include_tests(cli, tmp_path):
    _specs(cli, tmp_path)
    for folder in (tmp_path / ".kiro" / "specs").iterdir():
        tasks = (folder / "tasks.md").read_text(encoding="utf-8")
        criteria = {f"{n}.{i}"
                    for n, items in _requirements((folder / "requirements.md").read_text(encoding="utf-8")).items()
                    for i in range(1, len(items) + 1)}
        lines = tasks.splitlines()
        assert STAMPED.fullmatch(lines[0]) and lines[1] == "# Implementation Plan"
        tasks_found: list[tuple[int, str, list[str]]] = []  # indent, header, own detail lines
        for line in lines[2:]:
            header = re.match(r"^( *)- \[ \] (\d+\.(?:\d+)?) ", line)
            if header:
                tasks_found.append((len(header.group(1)), line, []))
            elif line.strip():
                indent = len(line) - len(line.lstrip())
                owner = next(t for t in reversed(tasks_found) if t[0] == indent - 2)
                owner[2].append(line.strip())
        assert any(re.match(r"^- \[ \] 1\. ", header) for _, header, _ in tasks_found)
        assert any(re.match(r"^  - \[ \] 1\.1 ", header) for _, header, _ in tasks_found)
        for _, header, details in tasks_found:
            last = details[-1]
            assert re.fullmatch(r"- _Requirements: [\d., ]+_", last), header
            assert set(last[len("- _Requirements: "):-1].split(", ")) <= criteria
            assert any(CITED.search(line) for line in details if line.startswith("- Records:")), header
        assert re.search(r"Write a failing (unit|integration|contract|end-to-end) test", tasks)


def test_spec_kit_style(cli, tmp_path):
    _specs(cli, tmp_path, "--style", "spec-kit", "--top", "3")
    folders = sorted(p.name for p in (tmp_path / "specs").iterdir())
    assert len(folders) == 3 and folders[0].startswith("001-")
    spec = (tmp_path / "specs" / folders[0] / "spec.md").read_text(encoding="utf-8")
    for heading in ("# Feature Specification: Harden ", "## User Scenarios & Testing *(mandatory)*",
                    "### User Story 1 - ", "**Acceptance Scenarios**:", "## Requirements *(mandatory)*",
                    "### Functional Requirements", "- **FR-001**: ", "## Success Criteria *(mandatory)*",
                    "- **SC-001**: "):
        assert heading in spec
    assert set(CITED.findall(spec)) <= SAMPLE_IDS
    plan = (tmp_path / "specs" / folders[0] / "plan.md").read_text(encoding="utf-8")
    assert STAMPED.fullmatch(plan.split("\n", 1)[0]) and "## Technical Context" in plan
    assert plan.split("\n", 2)[1].startswith("# Implementation Plan: Harden ")
    tasks = (tmp_path / "specs" / folders[0] / "tasks.md").read_text(encoding="utf-8")
    numbers = [int(n) for n in re.findall(r"^- \[ \] T(\d{3}) ", tasks, re.M)]
    assert numbers == list(range(1, len(numbers) + 1))


def test_component_option_and_unknown_component(cli, tmp_path):
    _specs(cli, tmp_path, "--component", "domain.rules", "--out", "out")
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["domain-rules"]
    result = cli("spec", SAMPLE, "--component", "nope", cwd=tmp_path)
    assert result.code == 2 and "--component nope: no such component" in result.stderr


def test_analyze_specs_beside_the_report(cli, tmp_path):
    assert cli("analyze", SAMPLE, "--out", tmp_path, "-q", "--specs").code == 0
    assert (tmp_path / "specs" / "adapters-dynamodb-repository" / "requirements.md").is_file()


def test_untrusted_text_is_escaped_in_specs(cli, tmp_path):
    _specs(cli, tmp_path, "--component", "adapters.notification_client", "--out", "out")
    text = (tmp_path / "out" / "adapters-notification-client" / "requirements.md").read_text(encoding="utf-8")
    assert "\\<script>alert('x')\\</script>" in text and "&lt;" not in text
    assert not re.search(r"(?<!\\)<script", text)


def test_every_spec_file_starts_with_the_generated_marker(cli, tmp_path):
    _specs(cli, tmp_path, "--top", "2", "--out", "kiro")
    _specs(cli, tmp_path, "--top", "2", "--out", "spec-kit", "--style", "spec-kit")
    files = sorted((tmp_path / "kiro").glob("*/*.md")) + sorted((tmp_path / "spec-kit").glob("*/*.md"))
    assert len(files) == 12
    for path in files:
        assert STAMPED.fullmatch(path.read_text(encoding="utf-8").split("\n", 1)[0]), path


def test_resolved_records_get_a_regression_test_and_open_ones_a_fix(cli, tmp_path):
    _specs(cli, tmp_path, "--top", "4", "--out", "out")
    statuses = {bug["id"]: bug["status"] for bug in json.loads(SAMPLE.read_text(encoding="utf-8"))["bugs"]}
    regression = re.compile(r"^  - \[ \] \d+\.\d+ Add a regression test that .+ \((BUG-\d+), resolved\)$", re.M)
    fixes = re.compile(r"^  - \[ \] \d+\.\d+ Fix (BUG-\d+)\b", re.M)
    resolved_seen = fixed_seen = 0
    for path in (tmp_path / "out").glob("*/tasks.md"):
        tasks = path.read_text(encoding="utf-8")
        for record_id in regression.findall(tasks):
            assert statuses[record_id] in ("resolved", "closed"), record_id
            resolved_seen += 1
        for record_id in fixes.findall(tasks):
            assert statuses[record_id] not in ("resolved", "closed"), record_id
            fixed_seen += 1
    assert resolved_seen and fixed_seen


def test_spec_kit_numbering_follows_the_numbers_given():
    record = SpecRecord(id="BUG-1", title="500 on empty body", severity=Severity.high, status=Status.open,
                        category="validation", test_level="contract", root_cause=None, testing_gap=None, files=[])
    criterion = Criterion(number="1.1", text="IF the body is empty THEN THE orders.handler SHALL reject it",
                          record_ids=["BUG-1"])
    requirement = SpecRequirement(number=1, title="Validation", category="validation", meaning="failures",
                                  severity=Severity.high, user_story="As a client ...", criteria=[criterion],
                                  record_ids=["BUG-1"])
    task = SpecTask(number="1", title="Harden validation", details=[], requirements=["1.1"], record_ids=["BUG-1"])
    draft = SpecDraft(component="orders.handler", slug="orders-handler", system="orders.handler",
                      layer=Layer.handler, tier=Tier.high, score=3.0, as_of=None, files=[], functions={},
                      records=[record], requirements=[requirement], tasks=[task], test_levels={"contract": 1},
                      properties=[CorrectnessProperty(number=1, title="Validation", statement="...",
                                                      validates=["1.1"])],
                      targets=[SpecTarget(text="Open high records in orders.handler: 1 now", record_ids=["BUG-1"])])
    other = draft.model_copy(update={"component": "orders.rules", "slug": "orders-rules"})
    spec_kit = SpecRenderer(SpecStyle.spec_kit)
    assert sorted({name.split("/")[0]
                   for name in spec_kit.render([draft, other], {"orders-handler": 7, "orders-rules": 9})}) == [
        "007-orders-handler", "009-orders-rules"]
    assert sorted({name.split("/")[0] for name in spec_kit.render([draft])}) == ["001-orders-handler"]
    kiro = SpecRenderer(SpecStyle.kiro)
    assert sorted({name.split("/")[0]
                   for name in kiro.render([draft, other], {"orders-handler": 7, "orders-rules": 9})}) == [
        "orders-handler", "orders-rules"]


_MARKDOWN = MarkdownIt("commonmark")


def _html_tokens(text: str) -> list[str]:
    found = []
    for token in _MARKDOWN.parse(text):
        if token.type == "html_block":
            found.append(token.content)
        found += [child.content for child in token.children or () if child.type == "html_inline"]
    return found


MARKUP_TEXT = st.text(alphabet=st.sampled_from(list("<>&;#/!?-\\`*ab1 x\n")) | st.characters(), max_size=40)


@given(MARKUP_TEXT, MARKUP_TEXT)
def test_escape_spec_never_opens_html(before, value):
    escaped = escape_spec(value)
    assert CONTROL_CHARS.search(escaped) is None
    for line in (escaped, f"- {escape_spec(before)} {escaped} ({escaped})", f"1. **{escaped}**: {escape_spec(before)}"):
        assert _html_tokens(line) == [], line


@given(st.text(alphabet=st.sampled_from(list("ab1 >=&|<+-.()")), max_size=40).filter(
    lambda text: not re.search(r"<[A-Za-z/!?]|&(#\d+|#[xX][0-9A-Fa-f]+|[A-Za-z][A-Za-z0-9]*);", text)))
def test_escape_spec_keeps_plain_text(text):
    assert escape_spec(text) == text


def test_escape_spec_examples():
    assert escape_spec("a >= b && c < 3") == "a >= b && c < 3"
    assert escape_spec("<script>x</script>") == "\\<script>x\\</script>"
    assert escape_spec("&amp; &#60; & x") == "\\&amp; \\&#60; & x"
    assert escape_spec("\\<b>") == "\\\\\\<b>"
    assert escape_spec("line\none\x00") == "line one "


@pytest.mark.parametrize("name", ["requirements.md", "design.md", "tasks.md"])
def test_golden_kiro_spec(cli, tmp_path, golden, name):
    result = cli("spec", "sample_data/bugs.json", "-q", "--out", tmp_path, "--top", "1", cwd=ROOT)
    assert result.code == 0
    golden((tmp_path / "adapters-dynamodb-repository" / name).read_text(encoding="utf-8"), GOLDEN / "specs" / name)


def test_roadmap_now_is_the_urgent_records_of_the_urgent_components(cli, tmp_path):
    cli("analyze", SAMPLE, "--out", tmp_path, "-q", "-r", "json")
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    urgent = {c["name"] for c in report["components"] if c["tier"] in ("critical", "high")}
    expected = {r["id"] for r in report["records"] if r["component"] in urgent
                and r["severity"] in ("critical", "high") and r["status"] != "resolved"}
    now = {i for item in report["roadmap"] if item["horizon"] == "now" for i in item["record_ids"]}
    assert now == expected and now


@given(level=st.sampled_from(["Unit", "Integration", "Contract", "End-to-end", "E2E"]),
       text=st.text(max_size=40), layer=st.sampled_from(list(Layer)), category=st.text(max_size=12))
def test_a_stated_testing_gap_decides_the_level(level, text, layer, category):
    expected = "end-to-end" if level in ("End-to-end", "E2E") else level.lower()
    assert catching_level(layer, category, f"{level}: {text}") == (expected, "named by the export's testing gap")


@given(layer=st.sampled_from(list(Layer)),
       category=st.sampled_from(["validation", "api contract", "serialization", "other"]))
def test_without_a_gap_the_place_decides_the_level(layer, category):
    level, _ = catching_level(layer, category, None)
    assert level in LEVELS
    if category in ("api contract", "serialization"):
        assert level == "contract"
    else:
        assert level == {Layer.domain: "unit", Layer.integration: "integration",
                         Layer.handler: "contract", Layer.unmapped: "end-to-end"}[layer]


def test_templates_folder_overrides_the_spec_wording(cli, tmp_path):
    templates = tmp_path / "templates" / "kiro"
    templates.mkdir(parents=True)
    (templates / "requirements.md.j2").write_text(
        "# {{ spec.component }}\n{% for r in spec.requirements %}{{ r.number }}: {{ r.record_ids|cite }}\n{% endfor %}",
        encoding="utf-8")
    result = cli("spec", SAMPLE, "-q", "--top", "1", "--out", "out", "--templates", tmp_path / "templates",
                 cwd=tmp_path)
    assert result.code == 0
    text = (tmp_path / "out" / "adapters-dynamodb-repository" / "requirements.md").read_text(encoding="utf-8")
    # a user's template gets riskmap's marker too, so a person's later edits are recognised
    assert STAMPED.fullmatch(text.splitlines()[0])
    assert text.splitlines()[1:3] == ["# adapters.dynamodb_repository", "1: BUG-029, BUG-027"]
    design = (tmp_path / "out" / "adapters-dynamodb-repository" / "design.md").read_text(encoding="utf-8")
    assert STAMPED.fullmatch(design.split("\n", 1)[0]) and design.split("\n", 2)[1] == "# Design Document"


def test_spec_never_overwrites_a_persons_edit(cli, tmp_path):
    """Run twice after a person edited a draft: the edit stays, the new draft goes beside it, and riskmap says so."""
    first = cli("spec", SAMPLE, "--top", "1", "--out", "specs", cwd=tmp_path)
    folder = tmp_path / "specs" / "adapters-dynamodb-repository"
    assert first.code == 0 and f"wrote {Path('specs/adapters-dynamodb-repository/tasks.md')}" in first.stdout
    tasks = folder / "tasks.md"
    edited = tasks.read_text(encoding="utf-8").replace("- [ ] 1.", "- [x] 1.", 1) + "\nOur own note.\n"
    tasks.write_text(edited, encoding="utf-8")
    for _ in range(2):
        again = cli("spec", SAMPLE, "--top", "1", "--out", "specs", cwd=tmp_path)
        assert again.code == 0
        assert tasks.read_text(encoding="utf-8") == edited
        assert f"kept {Path('specs/adapters-dynamodb-repository/tasks.md')}: a person edited it" in again.stdout
        assert "unchanged" in again.stdout  # the untouched requirements.md and design.md
    draft = folder / "tasks.riskmap-draft.md"
    assert STAMPED.fullmatch(draft.read_text(encoding="utf-8").split("\n", 1)[0])
    forced = cli("spec", SAMPLE, "--top", "1", "--out", "specs", "--force", cwd=tmp_path)
    assert forced.code == 0 and "replaced" in forced.stdout
    assert tasks.read_bytes() == draft.read_bytes()


def test_riskmaps_own_untouched_draft_is_updated(cli, tmp_path):
    cli("spec", SAMPLE, "--top", "1", "--out", "specs", "--as-of", "2026-11-20", cwd=tmp_path)
    later = cli("spec", SAMPLE, "--top", "1", "--out", "specs", "--as-of", "2027-06-01", cwd=tmp_path)
    assert later.code == 0 and "updated" in later.stdout and "kept" not in later.stdout
    assert not list((tmp_path / "specs").glob("*/*.riskmap-draft.md"))


def test_spec_kit_numbers_follow_the_features_already_there(cli, tmp_path):
    (tmp_path / "specs" / "004-login").mkdir(parents=True)
    first = cli("spec", SAMPLE, "-q", "--top", "2", "--style", "spec-kit", cwd=tmp_path)
    assert first.code == 0
    names = sorted(p.name for p in (tmp_path / "specs").iterdir())
    assert names[0] == "004-login" and [n[:4] for n in names[1:]] == ["005-", "006-"]
    cli("spec", SAMPLE, "-q", "--top", "2", "--style", "spec-kit", cwd=tmp_path)
    assert sorted(p.name for p in (tmp_path / "specs").iterdir()) == names  # the same features keep their numbers


@given(st.text(max_size=300))
def test_a_stamped_spec_is_recognised_until_it_is_edited(body):
    stamped = stamp(body.encode("utf-8", "surrogatepass").decode("utf-8", "replace").encode("utf-8"))
    assert is_untouched(stamped) and stamp(stamped) == stamped
    assert not is_untouched(stamped + b"x")
