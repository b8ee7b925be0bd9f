"""Severity normalisation: the documented table, its label forms, and unknown values."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from riskmap.analyze.severity import SEVERITY_WORDS, normalise_severity
from riskmap.models import Severity

TABLE = {
    Severity.critical: "blocker critical highest urgent fatal P0 S1",
    Severity.high: "major high error P1 S2",
    Severity.medium: "normal medium moderate warning P2 S3",
    Severity.low: "minor low lowest trivial P3 P4 S4",
    Severity.info: "enhancement info debug",
}


@pytest.mark.parametrize("expected,words", TABLE.items())
def test_the_issue_table(expected, words):
    for word in words.split():
        assert normalise_severity(word) == (expected, True), word


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("Sev 1", Severity.critical), ("sev:high", Severity.high), ("priority-critical", Severity.critical),
        ("severity: major", Severity.high), ("SEV2", Severity.high), ("Priority 3", Severity.low),
        ("P1 - High", Severity.high), ("prio:low", Severity.low), ("  Blocker ", Severity.critical),
    ],
)
def test_label_and_prefix_forms(raw, expected):
    assert normalise_severity(raw) == (expected, True)


@given(word=st.sampled_from(sorted(SEVERITY_WORDS)), data=st.data())
def test_any_casing_of_a_known_word_maps_the_same(word, data):
    cased = "".join(data.draw(st.sampled_from([c.lower(), c.upper()])) for c in word)
    assert normalise_severity(cased) == (SEVERITY_WORDS[word], True)


@given(word=st.sampled_from(sorted(SEVERITY_WORDS)), prefix=st.sampled_from(["sev", "severity", "priority", "prio"]),
       sep=st.sampled_from([":", "-", " ", ": ", "_", "/"]))
def test_prefixed_words_map_like_the_word(word, prefix, sep):
    if word[0] in "ps" and word[1:].isdigit():
        return  # codes: "sev:s1" is odd, "sev 1" is covered above
    assert normalise_severity(f"{prefix}{sep}{word}") == (SEVERITY_WORDS[word], True)


@given(st.text())
def test_never_fails_and_unknown_means_medium(raw):
    severity, known = normalise_severity(raw)
    assert isinstance(severity, Severity)
    if not known:
        assert severity == Severity.medium


def test_missing_and_unknown_are_medium_and_flagged():
    assert normalise_severity(None) == (Severity.medium, False)
    assert normalise_severity("spicy") == (Severity.medium, False)
