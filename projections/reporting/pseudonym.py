"""Pseudonyms (假名化) of person ids for the reporting database.

The reporting database never receives an ID number: each person is known by
``HMAC-SHA256(key, person_id)`` in hex. Without the key a pseudonym cannot be linked back to a
person (the ID number space is small enough to enumerate, so a plain hash would not do).

Where the key comes from, first found wins:

1. the environment variable ``LEDGER_PSEUDONYM_KEY``;
2. a key file: ``--key-file FILE`` or the environment variable ``LEDGER_PSEUDONYM_KEY_FILE``
   (the file holds the key on its first line; keep it readable by the projector only);
3. for a *local* target only (a SQLite file, or PostgreSQL on localhost, 127.0.0.1, ::1 or a
   unix socket): a random key generated on the first run and stored in the target's
   ``reporting_meta`` table. Such pseudonyms are stable for that database but protect nothing
   from whoever can read it: fit for development and a desk analysis, not for a shared server.

A non-local target without a key is refused. The target remembers a check value of the key
(an HMAC of a fixed text, not the key): a run with another key is refused, because it would
give the same person two pseudonyms.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

KEY_ENV = "LEDGER_PSEUDONYM_KEY"
KEY_FILE_ENV = "LEDGER_PSEUDONYM_KEY_FILE"
MIN_KEY_LENGTH = 16
_CHECK_TEXT = b"ledger reporting pseudonym key check v1"


class PseudonymKeyError(ValueError):
    """No usable pseudonym key (missing for a non-local target, too short, or not the one the
    target was built with)."""


@dataclass(frozen=True)
class PseudonymKey:
    """A secret key and where it came from (``env``, ``file``, ``target``)."""

    secret: bytes
    source: str

    def __repr__(self) -> str:  # never show the secret
        return f"PseudonymKey(source={self.source!r})"

    @property
    def check(self) -> str:
        """A value that identifies the key without revealing it."""
        return hmac.new(self.secret, _CHECK_TEXT, hashlib.sha256).hexdigest()

    def pseudonym(self, person_id: str) -> str:
        """The person's pseudonym: 64 hex characters."""
        return hmac.new(self.secret, person_id.encode("utf-8"), hashlib.sha256).hexdigest()


def configured_key(key_file: str | Path | None = None) -> PseudonymKey | None:
    """The key from ``LEDGER_PSEUDONYM_KEY`` or a key file, ``None`` when neither is given."""
    text = os.environ.get(KEY_ENV)
    source = "env"
    if not text:
        path = key_file or os.environ.get(KEY_FILE_ENV)
        if not path:
            return None
        try:
            lines = Path(path).read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise PseudonymKeyError(f"cannot read the pseudonym key file {path}: {exc}") from None
        text = lines[0] if lines else ""
        source = "file"
    text = text.strip()
    if len(text) < MIN_KEY_LENGTH:
        raise PseudonymKeyError(
            f"the pseudonym key ({source}) is shorter than {MIN_KEY_LENGTH} characters"
        )
    return PseudonymKey(text.encode("utf-8"), source)


def new_local_key() -> PseudonymKey:
    """A random key for a local target that has none (see the module docstring)."""
    return PseudonymKey(secrets.token_hex(32).encode("ascii"), "target")
