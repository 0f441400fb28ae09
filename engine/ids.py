"""Ids of the rows m8flow creates: UUIDs in creation order (RFC 9562 version 7).

Camunda's ids are opaque strings (UUIDs from its StrongUuidGenerator in a cluster), and
clients only pass them back. A random UUID (version 4) put every insert into a random leaf
of each index on an id column, so a transaction touched, and SQLite's log received, a page
per index per row: with sixteen starts in one write batch, about a hundred pages for what
fits in a dozen. A version 7 UUID begins with the time in milliseconds, so ids made close in
time sort together and their index entries share pages; its other 74 bits are random, so
ids from several gateway processes, or from one millisecond, do not collide.
"""
from __future__ import annotations

import os
import time
from uuid import UUID, SafeUUID

_VERSION_7 = 0x7 << 76
_VARIANT = 0b10 << 62
_new_uuid = object.__new__
_set = object.__setattr__


def uuid7() -> UUID:
    """A version 7 UUID: 48 bits of Unix time in milliseconds, then 74 random bits."""
    random = int.from_bytes(os.urandom(10), "big")
    value = (
        (time.time_ns() // 1_000_000) << 80
        | _VERSION_7
        | ((random >> 62) & 0xFFF) << 64  # 12 bits: rand_a
        | _VARIANT
        | random & ((1 << 62) - 1)  # 62 bits: rand_b
    )
    # What UUID(int=value) ends with, without re-checking a value built in range above:
    # a start makes eight ids.
    uuid = _new_uuid(UUID)
    _set(uuid, "int", value)
    _set(uuid, "is_safe", SafeUUID.unknown)
    return uuid


def new_id() -> str:
    """The id of a new row, as Camunda's REST API shows ids: the UUID's canonical text."""
    return str(uuid7())
