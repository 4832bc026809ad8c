"""What the program tells whom, outside a reply: the kinds of notice and their dedupe keys.

A notice is sent at most once per dedupe key (``notifications.dedupe_key`` is unique); the key
is built here and nowhere else, so a service that decides to tell someone something and the
query that asks whether it was told agree on it. The spellings are the ones stored since the
first release and must not change, or every notice would be sent again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum


class NoticeKind(StrEnum):
    FIRST_SALE = "first_sale"  # a creator's first attributed sale (a burst counts once)
    PAYOUT = "payout"  # a payout batch with the creator in it was paid
    WELCOME = "welcome"  # an approved creator's link and code
    REJECTION = "rejection"  # an application was rejected, with the reason
    INFO_REQUEST = "info"  # a manager asked an applicant a question
    DELIVERABLE_APPROVED = "dlv-approve"  # a handed-in post was approved
    DELIVERABLE_REJECTED = "dlv-reject"  # a handed-in post was rejected, with the reason
    LEVEL = "level"  # a creator was promoted to a level
    REOPENED = "reopen"  # a rule's rejection was undone: the application waits again
    BROADCAST = "broadcast"  # a manager's broadcast, one DM per creator
    BROADCAST_POST = "broadcast-post"  # the same broadcast posted once in a channel
    DELIVERABLES_PLANNED = "dlv-bulk"  # deliverables planned for a creator by a bulk request
    CODE_READY = "code-ready"  # a code that could not be made in a shop at first now works
    SITE_DECISION = "site"  # a manager approved or rejected a creator's DirectLink site
    GIFT_OFFER = "gift-offer"  # a gift offer with Accept / Decline, one DM per creator
    GIFT_DELIVERED = "gift-delivered"  # a gift arrived: the expected content's due date
    BOUNTY = "bounty"  # a new bounty, one DM per creator of its segment
    BOUNTY_POST = "bounty-post"  # the same bounty announced once in a channel
    BOUNTY_WON = "bounty-won"  # a creator won a bounty (DM)
    BOUNTY_WIN_POST = "bounty-win-post"  # the same win announced once in the bounty's channel
    BOUNTY_REJECTED = "bounty-reject"  # a manager rejected a bounty submission


_PREFIX = {
    NoticeKind.FIRST_SALE: "first-sale",
    NoticeKind.PAYOUT: "payout",
    NoticeKind.WELCOME: "welcome",
    NoticeKind.REJECTION: "rejection",
    NoticeKind.INFO_REQUEST: "info",
    NoticeKind.DELIVERABLE_APPROVED: "dlv-approve",
    NoticeKind.DELIVERABLE_REJECTED: "dlv-reject",
    NoticeKind.LEVEL: "level",
    NoticeKind.REOPENED: "reopen",
    NoticeKind.BROADCAST: "broadcast",
    NoticeKind.BROADCAST_POST: "broadcast-post",
    NoticeKind.DELIVERABLES_PLANNED: "dlv-bulk",
    NoticeKind.CODE_READY: "code-ready",
    NoticeKind.SITE_DECISION: "site",
    NoticeKind.GIFT_OFFER: "gift-offer",
    NoticeKind.GIFT_DELIVERED: "gift-delivered",
    NoticeKind.BOUNTY: "bounty",
    NoticeKind.BOUNTY_POST: "bounty-post",
    NoticeKind.BOUNTY_WON: "bounty-won",
    NoticeKind.BOUNTY_WIN_POST: "bounty-win-post",
    NoticeKind.BOUNTY_REJECTED: "bounty-reject",
}


@dataclass(frozen=True)
class Notice:
    """One message to one member, sent at most once per ``dedupe_key``."""

    kind: NoticeKind
    guild_id: int
    user_id: int
    dedupe_key: str


def dedupe_key(kind: NoticeKind, *ids: int | str) -> str:
    """The key a notice of ``kind`` about ``ids`` is claimed under, e.g. ``payout:7:42``."""
    return ":".join([_PREFIX[kind], *(str(i) for i in ids)])


def key_prefix(kind: NoticeKind) -> str:
    """What every key of ``kind`` starts with (for a query over all of them)."""
    return f"{_PREFIX[kind]}:"


def welcome(guild_id: int, user_id: int, creator_id: int, application_id: int) -> Notice:
    """The approved creator's welcome (one per approval of an application)."""
    key = dedupe_key(NoticeKind.WELCOME, creator_id, application_id)
    return Notice(NoticeKind.WELCOME, guild_id, user_id, key)


def rejection(guild_id: int, user_id: int, application_id: int, *, by_rule: bool = False) -> Notice:
    """An application's rejection. A rule's rejection has its own key, so that after a
    manager re-opens the application, a manager's rejection of it is told too."""
    ids: tuple[int | str, ...] = (application_id, "rule") if by_rule else (application_id,)
    return Notice(
        NoticeKind.REJECTION,
        guild_id,
        user_id,
        dedupe_key(NoticeKind.REJECTION, *ids),
    )


def reopened(guild_id: int, user_id: int, application_id: int) -> Notice:
    """A rule-rejected application is back in the queue (it can happen once: rules decide
    only new applications)."""
    key = dedupe_key(NoticeKind.REOPENED, application_id)
    return Notice(NoticeKind.REOPENED, guild_id, user_id, key)


def info_request(guild_id: int, user_id: int, application_id: int, question: str) -> Notice:
    """A question to an applicant; a different question is a new notice."""
    digest = hashlib.sha256(question.encode()).hexdigest()[:12]
    key = dedupe_key(NoticeKind.INFO_REQUEST, application_id, digest)
    return Notice(NoticeKind.INFO_REQUEST, guild_id, user_id, key)


def deliverable_decision(
    guild_id: int, user_id: int, deliverable_id: int, approved: bool, decided_at: int | None
) -> Notice:
    """A decision on a handed-in post; each rejection (a new decision time) is told."""
    if approved:
        kind, key = (
            NoticeKind.DELIVERABLE_APPROVED,
            dedupe_key(NoticeKind.DELIVERABLE_APPROVED, deliverable_id),
        )
    else:
        kind = NoticeKind.DELIVERABLE_REJECTED
        key = dedupe_key(kind, deliverable_id, decided_at or 0)
    return Notice(kind, guild_id, user_id, key)


def level_reached(
    guild_id: int, user_id: int, creator_id: int, level_id: int, epoch: int
) -> Notice:
    """A promotion, told once; reaching the same level again later (a new epoch) is told."""
    key = dedupe_key(NoticeKind.LEVEL, creator_id, level_id, epoch)
    return Notice(NoticeKind.LEVEL, guild_id, user_id, key)


def broadcast(guild_id: int, user_id: int, broadcast_id: int, creator_id: int) -> Notice:
    """One broadcast to one creator: sent once, even if its job is interrupted and resumed."""
    key = dedupe_key(NoticeKind.BROADCAST, broadcast_id, creator_id)
    return Notice(NoticeKind.BROADCAST, guild_id, user_id, key)


def broadcast_post_key(broadcast_id: int) -> str:
    """The key of a broadcast's one post in a channel (a notice to no one in particular)."""
    return dedupe_key(NoticeKind.BROADCAST_POST, broadcast_id)


def deliverables_planned(guild_id: int, user_id: int, bulk_id: int, creator_id: int) -> Notice:
    """A creator's new deliverables from one bulk request: told once per request."""
    key = dedupe_key(NoticeKind.DELIVERABLES_PLANNED, bulk_id, creator_id)
    return Notice(NoticeKind.DELIVERABLES_PLANNED, guild_id, user_id, key)


def code_ready(guild_id: int, user_id: int, discount_code_id: int) -> Notice:
    """A code works at every checkout after a shop could not answer: told once per code."""
    key = dedupe_key(NoticeKind.CODE_READY, discount_code_id)
    return Notice(NoticeKind.CODE_READY, guild_id, user_id, key)


def site_decision(guild_id: int, user_id: int, site_id: int) -> Notice:
    """A manager's decision on a DirectLink site: a site is decided once, so told once."""
    key = dedupe_key(NoticeKind.SITE_DECISION, site_id)
    return Notice(NoticeKind.SITE_DECISION, guild_id, user_id, key)


def gift_offer(guild_id: int, user_id: int, offer_id: int, creator_id: int) -> Notice:
    """One gift offer to one creator: sent once, even if its job is interrupted and resumed."""
    key = dedupe_key(NoticeKind.GIFT_OFFER, offer_id, creator_id)
    return Notice(NoticeKind.GIFT_OFFER, guild_id, user_id, key)


def gift_delivered(guild_id: int, user_id: int, claim_id: int) -> Notice:
    """A creator's gift was marked delivered: told once per gift."""
    key = dedupe_key(NoticeKind.GIFT_DELIVERED, claim_id)
    return Notice(NoticeKind.GIFT_DELIVERED, guild_id, user_id, key)


def bounty(guild_id: int, user_id: int, bounty_id: int, creator_id: int) -> Notice:
    """One bounty announced to one creator: sent once, even if its job is resumed."""
    key = dedupe_key(NoticeKind.BOUNTY, bounty_id, creator_id)
    return Notice(NoticeKind.BOUNTY, guild_id, user_id, key)


def bounty_post_key(bounty_id: int) -> str:
    """The key of a bounty's one announcement in a channel."""
    return dedupe_key(NoticeKind.BOUNTY_POST, bounty_id)


def bounty_won(guild_id: int, user_id: int, entry_id: int) -> Notice:
    """A win: an entry wins once, so it is told once."""
    key = dedupe_key(NoticeKind.BOUNTY_WON, entry_id)
    return Notice(NoticeKind.BOUNTY_WON, guild_id, user_id, key)


def bounty_win_post_key(entry_id: int) -> str:
    """The key of a win's one announcement in the bounty's channel."""
    return dedupe_key(NoticeKind.BOUNTY_WIN_POST, entry_id)


def bounty_rejected(guild_id: int, user_id: int, entry_id: int, decided_at: int) -> Notice:
    """A submission's rejection; a submission handed in again and rejected again is told."""
    key = dedupe_key(NoticeKind.BOUNTY_REJECTED, entry_id, decided_at)
    return Notice(NoticeKind.BOUNTY_REJECTED, guild_id, user_id, key)
