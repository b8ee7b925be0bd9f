"""Spec drafts: requirements, design and tasks for hardening a component, traced to its records.

One requirement per cluster of records that share the component and the category, riskiest
first. Its acceptance criteria come from what went wrong: one ``IF <what was reported> THEN THE
<component> SHALL ...`` per record (with its root cause where the export gives one), one
``WHEN the <level> tests run ...`` per stated testing gap, and one criterion for the failure
mode as a whole. An open record gets a failing test and a fix as tasks, a resolved one a
regression test. Every criterion, property and task cites the record IDs behind it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from riskmap.analyze.testing import (
    CAUSE_FIELDS,
    GAP_FIELDS,
    LEVELS,
    field_text,
    gap_text,
)
from riskmap.layers import module_name
from riskmap.models import (
    Analysis,
    ComponentRisk,
    CorrectnessProperty,
    Criterion,
    Layer,
    Record,
    ScoredRecord,
    Severity,
    SpecDraft,
    SpecRecord,
    SpecRequirement,
    SpecTarget,
    SpecTask,
    Status,
    Tier,
)
from riskmap.text import article

#: How many records of a cluster get criteria and tasks of their own (the riskiest); the rest are
#: cited by the cluster's own criterion.
RECORDS_PER_REQUIREMENT = 6

#: Per failure mode: what the component should do, why, the criterion for the mode as a whole,
#: and the correctness property that checks it. ``{system}`` is the component.
FAILURE_MODES: dict[str, dict[str, str]] = {
    "concurrency": {
        "goal": "apply concurrent changes safely", "benefit": "no update is lost or applied twice",
        "shall": "apply each change exactly once or reject it with a conflict error",
        "criterion": (
            "WHILE several requests change the same item THE {system} SHALL apply each change exactly once or reject "
            "it with a conflict error"
        ),
        "property": (
            "*For any* set of concurrent updates to the same item, the stored state reflects every accepted update and"
            " no write is lost."
        ),
    },
    "data integrity": {
        "goal": "keep every item complete and consistent", "benefit": "no data is lost, duplicated or corrupted",
        "shall": "store every item it acknowledges exactly once and unchanged",
        "criterion": (
            "WHEN an operation reports success THEN THE {system} SHALL have stored every item it acknowledged, exactly"
            " once"
        ),
        "property": (
            "*For any* sequence of writes, every acknowledged item reads back unchanged and appears exactly once."
        ),
    },
    "validation": {
        "goal": "reject invalid input with a clear error", "benefit": "bad data never enters the service",
        "shall": "reject the input with an error that names the offending field",
        "criterion": (
            "IF a request carries a value outside the documented schema or range THEN THE {system} SHALL reject it "
            "with an error naming the field and change no state"
        ),
        "property": (
            "*For any* input outside the schema, the {system} rejects it and changes no state; *for any* valid input, "
            "it accepts it."
        ),
    },
    "business logic": {
        "goal": "apply the business rules exactly as specified", "benefit": "users get the outcomes the rules promise",
        "shall": "give the outcome the rules specify",
        "criterion": (
            "WHEN a rule is evaluated at and around its boundaries THEN THE {system} SHALL give the outcome the rules "
            "specify"
        ),
        "property": "*For any* state and action, the resulting state is one the rules allow.",
    },
    "api contract": {
        "goal": "honour its published API contract",
        "benefit": "clients can rely on its status codes, parameters and payloads",
        "shall": "answer with the documented status code and payload",
        "criterion": (
            "WHEN a client calls it with any documented parameter THEN THE {system} SHALL answer with the documented "
            "status code and payload"
        ),
        "property": "*For any* request, the response conforms to the published contract.",
    },
    "error handling": {
        "goal": "surface and recover from failures", "benefit": "failures are retried or reported, never swallowed",
        "shall": (
            "retry with backoff or report the failure to its caller, and never report success for work it did not do"
        ),
        "criterion": (
            "IF a call it depends on fails or partly fails THEN THE {system} SHALL retry with backoff or report the "
            "failure to its caller"
        ),
        "property": (
            "*For any* failure of a dependency, the {system} either completes the operation after retrying or reports "
            "an error; it never reports success for work it did not do."
        ),
    },
    "performance": {
        "goal": "stay within its latency and resource budgets",
        "benefit": "users are neither slowed down nor timed out",
        "shall": "complete within its latency and memory budget",
        "criterion": (
            "WHILE the service is under its peak documented load THE {system} SHALL complete each operation within its"
            " latency budget"
        ),
        "property": (
            "*For any* input up to the documented size limit, the {system} completes within its time and memory "
            "budget."
        ),
    },
    "security": {
        "goal": "protect data and access", "benefit": "no one sees or changes what they should not",
        "shall": "escape, verify or reject untrusted input and credentials before using them",
        "criterion": (
            "IF a request carries untrusted input or credentials THEN THE {system} SHALL escape, verify or reject them"
            " before use"
        ),
        "property": (
            "*For any* untrusted input, no output contains it unescaped, and *for any* request without valid "
            "credentials, access is denied."
        ),
    },
    "date and time": {
        "goal": "handle dates, times and time zones correctly",
        "benefit": "deadlines and schedules mean the same to every user",
        "shall": "compute dates in the user's time zone and store instants in UTC with an offset",
        "criterion": (
            "WHEN a date is computed for a user THEN THE {system} SHALL use that user's time zone and store the "
            "instant in UTC with an offset"
        ),
        "property": (
            "*For any* time zone and instant, the {system}'s date calculations match the user's local calendar."
        ),
    },
    "configuration": {
        "goal": "run only with a complete, valid configuration",
        "benefit": "misconfiguration is caught at deploy time, not by users",
        "shall": "refuse to start with an error naming the missing or invalid setting",
        "criterion": (
            "IF a required setting is missing or invalid THEN THE {system} SHALL fail at startup with an error naming "
            "it"
        ),
        "property": (
            "*For any* configuration, the {system} either starts with every required setting valid or refuses to "
            "start."
        ),
    },
    "serialization": {
        "goal": "read and write its formats losslessly", "benefit": "data crosses boundaries without being mangled",
        "shall": "produce output that its consumers parse back to the same value",
        "criterion": (
            "WHEN the {system} serialises a value THEN THE {system} SHALL produce output that its consumers parse back"
            " to the same value"
        ),
        "property": "*For any* value, deserialising its serialised form gives the value back.",
    },
    "observability": {
        "goal": "emit the logs, metrics and traces needed to diagnose it",
        "benefit": "failures are noticed and explained quickly",
        "shall": "log the failure with its correlation id and emit a metric",
        "criterion": "WHEN an operation fails THEN THE {system} SHALL log it with its correlation id and emit a metric",
        "property": "*For any* failed operation, a log record with its correlation id and a metric data point exist.",
    },
}
OTHER_MODE = {
    "goal": "behave as its users expect", "benefit": "the reported failures do not recur",
    "shall": "behave as specified instead",
    "criterion": "WHEN the scenario of any cited record is replayed THEN THE {system} SHALL behave as specified",
    "property": "*For any* replay of a cited record's scenario, the {system} behaves as specified.",
}
ROLES = {
    Layer.handler: "an API client of the service",
    Layer.domain: "a user of the service",
    Layer.integration: "an operator of the service",
    Layer.unmapped: "an operator of the service",
}
_SLUG = re.compile(r"[^a-z0-9]+")


def slug(name: str) -> str:
    """A folder name for a component's spec: lower-case words joined by hyphens."""
    return _SLUG.sub("-", name.lower()).strip("-") or "component"


def select_components(
    components: Sequence[ComponentRisk], names: Sequence[str] = (), top: int | None = None
) -> list[ComponentRisk]:
    """The components to write specs for: named ones, else the ``top`` riskiest, else critical and high."""
    if names:
        by_name = {c.name: c for c in components}
        return [by_name[name] for name in names if name in by_name]
    if top is not None:
        return list(components[:top])
    return [c for c in components if c.tier.at_least(Tier.high)]


def build_specs(analysis: Analysis, chosen: Sequence[ComponentRisk]) -> list[SpecDraft]:
    """A spec draft for each chosen component."""
    members: dict[str, list[int]] = {c.name: [] for c in chosen}
    for index, scored in enumerate(analysis.records):
        if scored.component in members:
            members[scored.component].append(index)
    return [
        _spec(component, [(analysis.records[i], analysis.evidence[i]) for i in members[component.name]], analysis)
        for component in chosen
    ]


def _spec(component: ComponentRisk, pairs: list[tuple[ScoredRecord, Record]], analysis: Analysis) -> SpecDraft:
    pairs.sort(key=lambda pair: (-pair[0].score, pair[0].id))
    system = component.name
    records = [_spec_record(scored, record) for scored, record in pairs]
    clusters: dict[str, list[SpecRecord]] = {}
    for spec_record in records:
        clusters.setdefault(spec_record.category, []).append(spec_record)
    scores = {scored.id: scored.score for scored, _ in pairs}
    ordered = sorted(clusters.items(), key=lambda kv: (-sum(scores[r.id] for r in kv[1]), kv[0]))
    requirements, properties, tasks = [], [], []
    for number, (category, cluster) in enumerate(ordered, start=1):
        requirement = _requirement(number, category, cluster, system, component.layer)
        requirements.append(requirement)
        properties.append(_property(requirement, system))
        tasks.append(_tasks(requirement, cluster, system))
    every_criterion = [c.number for r in requirements for c in r.criteria]
    all_ids = [r.id for r in records]
    tasks.append(SpecTask(
        number=str(len(tasks) + 1),
        title="Checkpoint: run every test, then run riskmap on the next export and compare",
        details=[f"The records of this spec should be resolved, and {system} should no longer be tiered "
                 f"{component.tier.value}."],
        requirements=every_criterion, record_ids=all_ids,
    ))
    test_levels = dict(sorted(Counter(r.test_level for r in records).items(), key=lambda kv: LEVELS.index(kv[0])))
    files = sorted({path for r in records for path in r.files})
    functions: dict[str, set[str]] = {}
    for _, record in pairs:
        for frame in record.frames:
            if frame.in_app and frame.function and frame.file in files:
                functions.setdefault(frame.file, set()).add(frame.function)
    return SpecDraft(
        component=component.name, slug=slug(component.name), system=system, layer=component.layer,
        tier=component.tier, score=component.score,
        as_of=analysis.as_of.date().isoformat() if analysis.as_of else None,
        files=files, functions={f: sorted(names) for f, names in sorted(functions.items())},
        records=records, requirements=requirements, properties=properties, tasks=tasks,
        test_levels=test_levels, targets=spec_targets(component, records, test_levels),
    )


def _spec_record(scored: ScoredRecord, record: Record) -> SpecRecord:
    # The record's own paths, and the stack frames inside this component (not its callers').
    files = [*record.paths, *(f.file for f in record.frames if f.in_app and module_name(f.file) == scored.component)]
    return SpecRecord(
        id=scored.id, title=scored.title, severity=scored.severity, status=scored.status,
        category=scored.category, test_level=scored.test_level,
        root_cause=field_text(record.extra, CAUSE_FIELDS),
        testing_gap=field_text(record.extra, GAP_FIELDS),
        files=list(dict.fromkeys(files)),
    )


def _mode(category: str) -> dict[str, str]:
    return FAILURE_MODES.get(category, OTHER_MODE)


def mode_meaning(category: str) -> str:
    """What a failure mode means and what its fix should do, in one sentence."""
    return f"failures where {category} went wrong; the fix should {_mode(category)['shall']}."


def spec_targets(
    component: ComponentRisk, records: Sequence[SpecRecord], test_levels: dict[str, int]
) -> list[SpecTarget]:
    """A spec's measurable targets: open critical records to zero, open high records halved (rounded
    down), a passing test per record at its level, and the component no longer in its tier."""
    open_records = [r for r in records if r.status != Status.resolved]
    critical = [r.id for r in open_records if r.severity == Severity.critical]
    high = [r.id for r in open_records if r.severity == Severity.high]
    levels = ", ".join(f"{level} {n}" for level, n in test_levels.items())
    return [
        SpecTarget(text=f"Open critical records in {component.name}: {len(critical)} now, 0 after",
                   record_ids=critical),
        SpecTarget(text=f"Open high records in {component.name}: {len(high)} now, at most {len(high) // 2} after",
                   record_ids=high),
        SpecTarget(text="Every record of this spec has a passing test at the level that would have caught it "
                        f"({levels})"),
        SpecTarget(text=f"riskmap no longer tiers {component.name} {component.tier.value} on the next export"),
    ]


def _as_condition(title: str) -> str:
    """A title as the condition of an IF clause: no trailing period, a lower-case first word."""
    text = " ".join(title.split()).rstrip(".")
    first = text.split(" ", 1)[0]
    if first[:1].isupper() and first[1:].isalpha() and first[1:].islower():  # "Concurrent", not "BatchWriteItem"
        text = text[0].lower() + text[1:]
    return text


def _requirement(number: int, category: str, cluster: list[SpecRecord], system: str, layer: Layer) -> SpecRequirement:
    mode = _mode(category)
    lead = cluster[:RECORDS_PER_REQUIREMENT]
    criteria: list[Criterion] = []

    def add(text: str, ids: list[str]) -> None:
        criteria.append(Criterion(number=f"{number}.{len(criteria) + 1}", text=text, record_ids=ids))

    for record in lead:
        text = f"IF {_as_condition(record.title)} THEN THE {system} SHALL {mode['shall']}"
        if record.root_cause:
            text += f"; the root cause to remove: {record.root_cause.rstrip('.')}"
        add(text, [record.id])
    for record in lead:
        if record.testing_gap:
            add(f"WHEN the {record.test_level} tests run THEN THE {system} SHALL be exercised by a test for "
                f"what was missing: {gap_text(record.testing_gap).rstrip('.')}", [record.id])
    add(mode["criterion"].format(system=system), [r.id for r in cluster])
    return SpecRequirement(
        number=number,
        title=category[:1].upper() + category[1:],
        category=category,
        meaning=mode_meaning(category),
        severity=Severity.worst(r.severity for r in cluster),
        user_story=f"As {ROLES[layer]}, I want {system} to {mode['goal']}, so that {mode['benefit']}.",
        criteria=criteria,
        record_ids=[r.id for r in cluster],
    )


def _property(requirement: SpecRequirement, system: str) -> CorrectnessProperty:
    return CorrectnessProperty(
        number=requirement.number,
        title=f"{requirement.title} of {system}",
        statement=_mode(requirement.category)["property"].format(system=system),
        validates=[c.number for c in requirement.criteria],
    )


def _tasks(requirement: SpecRequirement, cluster: list[SpecRecord], system: str) -> SpecTask:
    n = requirement.number
    # _requirement numbers one criterion per lead record, then one per stated gap, then the mode's.
    lead = cluster[:RECORDS_PER_REQUIREMENT]
    criterion_of = {record.id: f"{n}.{i}" for i, record in enumerate(lead, start=1)}
    with_gaps = [record.id for record in lead if record.testing_gap]
    gap_criterion_of = {rid: f"{n}.{len(lead) + i}" for i, rid in enumerate(with_gaps, start=1)}
    overall = requirement.criteria[-1].number
    subtasks: list[SpecTask] = []

    def add(title: str, details: list[str], criteria: list[str], ids: list[str]) -> None:
        subtasks.append(SpecTask(number=f"{n}.{len(subtasks) + 1}", title=title, details=details,
                                 requirements=criteria, record_ids=ids))

    for record in lead:
        criteria = [criterion_of[record.id], *([gap_criterion_of[record.id]] if record.id in gap_criterion_of else [])]
        missing = gap_text(record.testing_gap) if record.testing_gap else f"a test that reproduces “{record.title}”"
        where = f" in {', '.join(record.files)}" if record.files else ""
        cause = f"Root cause: {record.root_cause.rstrip('.')}." if record.root_cause else f"Reported: {record.title}."
        if record.status == Status.resolved:  # already fixed: keep it fixed
            add(f"Add a regression test that keeps the fix{where} in place ({record.id}, resolved)",
                [f"Write it as {article(record.test_level)} test. Missing today: {missing.rstrip('.')}.", cause],
                criteria, [record.id])
            continue
        add(f"Write a failing {record.test_level} test that reproduces {record.id}",
            [f"Missing today: {missing.rstrip('.')}."], criteria, [record.id])
        add(f"Fix {record.id}{where}", [cause], [criterion_of[record.id]], [record.id])
    add(f"Write a property-based test for Property {n}: {requirement.title} of {system}",
        [_mode(requirement.category)["property"].format(system=system)], [overall], requirement.record_ids)
    return SpecTask(
        number=str(n),
        title=f"Harden {requirement.category} in {system}",
        details=[], requirements=[c.number for c in requirement.criteria],
        record_ids=requirement.record_ids, subtasks=subtasks,
    )
