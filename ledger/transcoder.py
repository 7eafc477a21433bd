"""The ledger's transcoder: eventsourcing's :class:`~eventsourcing.persistence.JSONTranscoder`,
with strings encoded by orjson, selected through the library's ``TRANSCODER_TOPIC`` setting.

The bulk import encodes one string per event: its record (the canonical contract JSON), the
value of the stored event's ``record`` field (:meth:`ledger.mapper.LedgerMapper.encoder`).
The library's transcoder takes three Python calls and the standard library's escaping for
it; orjson writes the same bytes several times faster.

**Why the bytes are the same.** The library's encoder is ``json.JSONEncoder(ensure_ascii=False,
separators=(",", ":"))``: for a string it escapes ``"``, ``\\`` and U+0000-U+001F (``\\b``,
``\\f``, ``\\n``, ``\\r``, ``\\t``, the others as ``\\u00xx`` with lower-case hex digits) and
nothing else, and the transcoder encodes the text as UTF-8. orjson escapes exactly those, the
same way, and writes UTF-8. ``tests/test_transcoder.py`` holds the two equal on every code
point and on random strings; and every transcoder made checks it once more on a probe string
holding each escape (:attr:`LedgerTranscoder.fast`), so that an orjson that escaped
differently would only make the ledger slower, never store other bytes.

Everything else — other types, ``str`` subclasses, and strings orjson refuses (a lone
surrogate, which is not text: the library's encoder then raises its own error) — goes to the
library's ``encode`` unchanged. Decoding is the library's. Events stored with the library's
plain transcoder (every earlier version of the ledger) are byte for byte what this one stores.
"""

from __future__ import annotations

from typing import Any

import orjson
from eventsourcing.persistence import JSONTranscoder

TRANSCODER_TOPIC = "ledger.transcoder:LedgerTranscoder"
"""The library's ``TRANSCODER_TOPIC`` setting that selects this transcoder."""

_PROBE = "".join(chr(c) for c in range(0x20)) + '"\\/ \x7f\u2028\u2029 汉字 é \U0001f600'
"""Every character the library's encoder escapes, and some it leaves alone."""


class LedgerTranscoder(JSONTranscoder):
    """The library's JSON transcoder; strings encoded by orjson (see the module)."""

    def __init__(self) -> None:
        super().__init__()
        self.fast = orjson.dumps(_PROBE) == super().encode(_PROBE)
        """Whether strings take orjson: it proved equal to the library's encoder."""

    def encode(self, obj: Any) -> bytes:
        if type(obj) is str and self.fast:
            try:
                return orjson.dumps(obj)
            except orjson.JSONEncodeError:
                pass  # not text (a lone surrogate): the library's encoder says so
        return super().encode(obj)
