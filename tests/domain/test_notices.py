"""Notice dedupe keys keep the spellings already stored, so nothing is ever sent twice."""

from __future__ import annotations

from bot.domain import notices
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


def test_decision_and_application_notices_keep_their_keys() -> None:
    """Rejections, questions and deliverable decisions keep the keys stored before."""
    assert notices.rejection(1, 2, 30).dedupe_key == "rejection:30"
    asked = notices.info_request(1, 2, 30, "Which city?")
    assert asked.dedupe_key.startswith("info:30:") and len(asked.dedupe_key) == len("info:30:") + 12
    assert notices.info_request(1, 2, 30, "Which shop?").dedupe_key != asked.dedupe_key
    assert notices.deliverable_decision(1, 2, 5, True, 100).dedupe_key == "dlv-approve:5"
    assert notices.deliverable_decision(1, 2, 5, False, 100).dedupe_key == "dlv-reject:5:100"
    assert notices.welcome(1, 2, 42, 9) == notices.Notice(NoticeKind.WELCOME, 1, 2, "welcome:42:9")
