"""Notice dedupe keys keep the spellings already stored, so nothing is ever sent twice."""

from __future__ import annotations

from bot.domain.notices import NoticeKind, dedupe_key, key_prefix


def test_keys_keep_their_stored_spelling() -> None:
    """The keys written by earlier releases come out exactly the same."""
    assert dedupe_key(NoticeKind.FIRST_SALE, 42) == "first-sale:42"
    assert dedupe_key(NoticeKind.PAYOUT, 7, 42) == "payout:7:42"
    assert dedupe_key(NoticeKind.WELCOME, 42, 9) == "welcome:42:9"


def test_every_key_starts_with_its_kinds_prefix() -> None:
    """A query over all notices of a kind matches every key of that kind."""
    for kind in NoticeKind:
        assert dedupe_key(kind, 1, 2).startswith(key_prefix(kind))
