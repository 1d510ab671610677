"""The edge's decoding of an interaction's payload: the same text as the standard library's,
or None (Bolt then parses the body as before); never a different text."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, quote, urlencode

from hypothesis import example, given
from hypothesis import strategies as st

from handlers.slack.http import interaction_json

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@given(st.dictionaries(st.text(), JSON_VALUES, max_size=6), st.booleans())
@example({"text": "a \\ backslash, 100% \\x41 and \\u00e9, + and & ; é 🙂\n"}, False)
def test_a_payload_as_slack_sends_it_reads_as_the_standard_library_reads_it(
    payload: dict[str, object], ascii_only: bool
) -> None:
    text = json.dumps(payload, ensure_ascii=ascii_only)
    body = urlencode({"payload": text})
    assert interaction_json(body) == parse_qs(body)["payload"][0] == text


@given(st.text(alphabet=st.characters(max_codepoint=127)))
@example("%zz{}")
@example("{%4")
@example("%7B%ff%fe%7D")  # bytes that are not UTF-8: the standard library puts U+FFFD there
@example("{\\%41}")
def test_any_other_ascii_payload_reads_the_same_or_is_left_to_bolt(raw: str) -> None:
    body = "payload=" + raw
    decoded = interaction_json(body)
    if decoded is not None:
        assert decoded == parse_qs(body, keep_blank_values=True)["payload"][0]
        assert decoded.startswith("{")


def test_other_bodies_are_left_to_bolt() -> None:
    assert interaction_json("command=%2Fassess&text=4") is None  # a slash command
    assert interaction_json('{"type": "event_callback"}') is None  # an event, already JSON
    assert interaction_json("payload=" + quote('{"a": 1}') + "&more=1") is None  # two fields
    assert interaction_json("payload=" + quote("[1, 2]")) is None  # not an object
    assert interaction_json("payload=%7B%22a%22%3A+1%7D") == '{"a": 1}'
