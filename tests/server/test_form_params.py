"""The hand-written form decoder agrees with the standard library's."""

from __future__ import annotations

from urllib.parse import parse_qsl, quote_plus

from hypothesis import given, settings
from hypothesis import strategies as st

from rolecall.server.dispatch import parse_form

_pairs = st.lists(st.tuples(st.text(max_size=20), st.text(max_size=40)), max_size=8)


@settings(max_examples=300)
@given(_pairs)
def test_matches_parse_qsl_on_encoded_forms(pairs: list[tuple[str, str]]) -> None:
    text = "&".join(f"{quote_plus(k)}={quote_plus(v)}" for k, v in pairs)
    assert parse_form(text) == parse_qsl(text, keep_blank_values=True, errors="strict")


@settings(max_examples=300)
@given(st.text(alphabet="ab=&%+2 0F", max_size=30))
def test_matches_parse_qsl_on_arbitrary_text(text: str) -> None:
    try:
        expected = parse_qsl(text, keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        expected = None
    try:
        got = parse_form(text)
    except UnicodeDecodeError:
        got = None
    assert got == expected
