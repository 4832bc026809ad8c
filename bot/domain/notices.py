"""What the program tells whom, outside a reply: the kinds of notice and their dedupe keys.

A notice is sent at most once per dedupe key (``notifications.dedupe_key`` is unique); the key
is built here and nowhere else, so a service that decides to tell someone something and the
query that asks whether it was told agree on it. The spellings are the ones stored since the
first release and must not change, or every notice would be sent again.
"""

from __future__ import annotations

from enum import StrEnum


class NoticeKind(StrEnum):
    FIRST_SALE = "first_sale"  # a creator's first attributed sale (a burst counts once)
    PAYOUT = "payout"  # a payout batch with the creator in it was paid
    WELCOME = "welcome"  # an approved creator's link and code


_PREFIX = {
    NoticeKind.FIRST_SALE: "first-sale",
    NoticeKind.PAYOUT: "payout",
    NoticeKind.WELCOME: "welcome",
}


def dedupe_key(kind: NoticeKind, *ids: int) -> str:
    """The key a notice of ``kind`` about ``ids`` is claimed under, e.g. ``payout:7:42``."""
    return ":".join([_PREFIX[kind], *(str(i) for i in ids)])


def key_prefix(kind: NoticeKind) -> str:
    """What every key of ``kind`` starts with (for a query over all of them)."""
    return f"{_PREFIX[kind]}:"
