"""The ledger's transcoder encodes every value to the very bytes the library's own
``JSONTranscoder`` does (strings by orjson, the rest by the library), and is what the ledger
is configured with."""

from __future__ import annotations

import sys
from datetime import date
from types import SimpleNamespace
from typing import Any

import orjson
import pytest
from eventsourcing.persistence import JSONTranscoder
from hypothesis import given, settings
from hypothesis import strategies as st

import ledger.transcoder as transcoder_module
from ledger.application import LedgerApp
from ledger.transcoder import LedgerTranscoder


def pair() -> tuple[LedgerTranscoder, JSONTranscoder]:
    app = LedgerApp(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    ours = app.mapper.transcoder
    assert type(ours) is LedgerTranscoder
    library = JSONTranscoder()
    app.register_transcodings(library)
    return ours, library


def test_the_ledger_is_configured_with_it_and_its_fast_path_is_on() -> None:
    ours, _ = pair()
    assert ours.fast


def test_every_code_point_encodes_as_the_library_does() -> None:
    ours, library = pair()
    for code in range(sys.maxunicode + 1):
        if 0xD800 <= code <= 0xDFFF:
            continue  # surrogates: below
        text = chr(code)
        assert ours.encode(text) == library.encode(text), hex(code)
        framed = f'a{text}"b\\{text}'
        assert ours.encode(framed) == library.encode(framed), hex(code)


@settings(max_examples=500)
@given(st.text())
def test_any_text_encodes_as_the_library_does(text: str) -> None:
    ours, library = pair()
    assert ours.encode(text) == library.encode(text)
    assert ours.decode(ours.encode(text)) == text


def test_a_lone_surrogate_is_refused_as_the_library_refuses_it() -> None:
    ours, library = pair()
    with pytest.raises(UnicodeEncodeError):
        library.encode("a\ud800b")
    with pytest.raises(UnicodeEncodeError):
        ours.encode("a\ud800b")


class Text(str):
    pass


@pytest.mark.parametrize(
    "value",
    [
        {"record": '{"a":"汉字\\n"}', "n": 1, "when": date(2026, 1, 2)},
        [1, "x", None, True],
        12,
        None,
        Text("a subclass \n"),
    ],
)
def test_other_values_are_the_librarys(value: Any) -> None:
    ours, library = pair()
    assert ours.encode(value) == library.encode(value)
    assert ours.decode(ours.encode(value)) == library.decode(library.encode(value))


def test_only_plain_strings_take_orjson(monkeypatch: pytest.MonkeyPatch) -> None:
    transcoder = LedgerTranscoder()
    taken: list[Any] = []
    dumps = orjson.dumps

    def spy(value: Any, *args: Any, **kwargs: Any) -> bytes:
        taken.append(value)
        return dumps(value, *args, **kwargs)

    monkeypatch.setattr(
        transcoder_module,
        "orjson",
        SimpleNamespace(dumps=spy, JSONEncodeError=orjson.JSONEncodeError),
    )
    transcoder.encode("plain")
    transcoder.encode(Text("a subclass"))
    transcoder.encode({"record": "in a dict"})
    assert taken == ["plain"]


def test_an_orjson_that_escaped_otherwise_would_leave_the_fast_path_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dumps = orjson.dumps

    def ascii_dumps(value: Any, *args: Any, **kwargs: Any) -> bytes:
        return dumps(value, *args, **kwargs).decode().encode("ascii", "backslashreplace")

    monkeypatch.setattr(transcoder_module.orjson, "dumps", ascii_dumps)
    transcoder = LedgerTranscoder()
    assert not transcoder.fast
    assert transcoder.encode("汉字") == JSONTranscoder().encode("汉字") == '"汉字"'.encode()
