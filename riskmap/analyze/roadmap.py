"""The roadmap: which records to fix now, next and later, component by component."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from riskmap.layers import UNMAPPED
from riskmap.models import ComponentRisk, RoadmapItem, ScoredRecord, Severity, Status, Tier

HORIZONS = ("now", "next", "later")


def horizon(component_tier: Tier, severity: Severity) -> str:
    """When to fix an open record.

    now: critical and high records of components tiered critical or high; next: the other
    records of those components, and critical and high records elsewhere; later: the rest.
    """
    urgent_component = component_tier.at_least(Tier.high)
    urgent_record = severity.at_least(Severity.high)
    if urgent_component and urgent_record:
        return "now"
    if urgent_component or urgent_record:
        return "next"
    return "later"


def build_roadmap(components: Sequence[ComponentRisk], records: Sequence[ScoredRecord]) -> list[RoadmapItem]:
    """One item per component and horizon, riskiest component first, for every open record."""
    by_component = {c.name: c for c in components}
    grouped: dict[tuple[str, str], list[ScoredRecord]] = {}
    for scored in records:
        if scored.status == Status.resolved:
            continue
        component = by_component[scored.component]
        grouped.setdefault((horizon(component.tier, scored.severity), component.name), []).append(scored)
    rank = {c.name: i for i, c in enumerate(components)}
    items = []
    for (when, name), members in sorted(grouped.items(), key=lambda kv: (HORIZONS.index(kv[0][0]), rank[kv[0][1]])):
        component = by_component[name]
        members.sort(key=lambda s: (-s.score, s.id))
        items.append(
            RoadmapItem(
                horizon=when,
                component=name,
                layer=component.layer,
                tier=component.tier,
                action=_action(name, members),
                record_ids=[s.id for s in members],
            )
        )
    return items


def _action(component: str, members: Sequence[ScoredRecord]) -> str:
    counts = Counter(scored.severity for scored in members)
    severities = ", ".join(f"{counts[s]} {s.value}" for s in Severity if s in counts)
    categories = sorted({s.category for s in members})
    noun = "record" if len(members) == 1 else "records"
    if component == UNMAPPED:
        return (f"Place {len(members)} open unmapped {noun} ({severities}) with a component rule, "
                f"then fix: {', '.join(categories)}")
    return f"Fix {len(members)} open {noun} in {component} ({severities}): {', '.join(categories)}"
