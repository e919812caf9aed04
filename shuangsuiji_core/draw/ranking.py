"""The keyed SHA-256 ranking every random choice of the draw is made with.

Nothing in a draw uses a pseudo-random generator, `hash()` or floating point. Each
candidate gets a *rank key*: SHA-256 over a length-prefixed encoding of

    method version, purpose, seed (NFC), task id, [stratum], credit code, [inspector id]

and the k candidates with the smallest keys are chosen. SHA-256 output is uniform and
independent across inputs, so every candidate of a stratum is equally likely to be
among the k smallest (the draw is an unbiased simple random sample without
replacement), and the result depends only on the *set* of candidates, never on the
order of the rows in a file. Anyone with the seed, the directories and the task can
recompute every key with any SHA-256 implementation (see docs/draw.md for a worked
example). Nothing is secret, so a plain hash (not HMAC) suffices; the length prefixes
make the encoding injective, so no two different inputs share a key preimage.

Purposes:

- ``entity``: ranks the entities of one stratum (key includes the stratum);
- ``order``: the order in which selected entities are staffed (see selection.py);
- ``inspector``: ranks inspectors for one selected entity (key includes its credit code).

Example (passing): the same seed, task and code always give the same key, on any machine.
Example (failing to collide): changing one character of the seed changes every key.
"""

from __future__ import annotations

import hashlib
import unicodedata

METHOD_VERSION = "shuangsuiji-draw/1"


def length_prefixed(*parts: str) -> bytes:
    """UTF-8 of each part, each preceded by its byte length as 8 bytes big-endian."""
    out = bytearray()
    for part in parts:
        raw = part.encode("utf-8")
        out += len(raw).to_bytes(8, "big")
        out += raw
    return bytes(out)


def normalise_seed(seed: str) -> str:
    """The seed as it enters the keys: Unicode NFC, so a copy-pasted seed draws the same."""
    return unicodedata.normalize("NFC", seed)


class KeyPrefix:
    """A SHA-256 state already fed with the constant parts, copied per candidate.

    Copying a prepared state is about twice as fast as hashing from scratch, which
    matters at two million rows.
    """

    __slots__ = ("_base",)

    def __init__(self, *parts: str):
        self._base = hashlib.sha256(length_prefixed(METHOD_VERSION, *parts))

    def key(self, *parts: str) -> bytes:
        h = self._base.copy()
        h.update(length_prefixed(*parts))
        return h.digest()


def entity_prefix(seed: str, task_id: str, stratum: str) -> KeyPrefix:
    return KeyPrefix("entity", normalise_seed(seed), task_id, stratum)


def order_prefix(seed: str, task_id: str) -> KeyPrefix:
    return KeyPrefix("order", normalise_seed(seed), task_id)


def inspector_prefix(seed: str, task_id: str, credit_code: str) -> KeyPrefix:
    return KeyPrefix("inspector", normalise_seed(seed), task_id, credit_code)


# The credit code is 18 ASCII characters, so its length prefix is a constant: the hot
# loop appends these bytes and the code instead of calling length_prefixed per row.
CODE_LENGTH_PREFIX = (18).to_bytes(8, "big")
