"""The fast ASCII paths of the per-record text rules give what their regular expressions give."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from riskmap.analyze.categories import _WORDS, classify_text, taxonomy_words
from riskmap.analyze.fingerprints import normalise_title
from riskmap.text import ascii_table, ascii_words

#: Text that is mostly ASCII (the fast path) with some letters, digits and marks that are not.
TEXTS = st.one_of(
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=127), max_size=120),
    st.text(alphabet=st.sampled_from("aZ09+_- .,:/\t\nKk\u0131\u00df\u00e9\u212a\u0130"), max_size=80),
    st.text(max_size=60),
    st.lists(st.sampled_from([*sorted(_WORDS)[:400], "n+1", "Race", "LOCK", "x", "9"]), max_size=12).map(" ".join),
)


@given(TEXTS)
def test_titles_normalise_as_the_word_regex_says(title: str) -> None:
    assert normalise_title(title) == " ".join(re.findall(r"[^\W\d_]+", title.lower()))


@given(TEXTS)
def test_taxonomy_words_are_the_regex_tokens_in_the_taxonomy(text: str) -> None:
    lowered = text.lower()
    assert taxonomy_words(lowered) == set(_WORDS.intersection(re.findall(r"[a-z0-9+]+", lowered)))


@given(TEXTS, st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=20))
def test_ascii_words_are_the_runs_a_character_class_finds(text: str, kept: str) -> None:
    words = ascii_words(text, ascii_table(kept))
    if not text.isascii():
        assert words is None
    else:
        assert [w.decode() for w in words or []] == re.findall(f"[{re.escape(kept)}]+", text)


def test_a_title_with_words_of_two_categories_goes_to_the_one_with_more() -> None:
    assert classify_text("Race: deadlock and a timeout") == ("concurrency", "keywords 'deadlock', 'race'")
    assert classify_text("Ünïcode lock timeout slow")[0] == "performance"
