"""Which creator an order belongs to.

A click id carried by the order wins within the attribution window; otherwise the discount
code; otherwise DirectLink (the order's referring site is a site the creator registered and
a manager approved); otherwise the order is unattributed (kept for audit). When a valid click
and a valid code point at different creators, the code wins unless the server prefers clicks.
The reason is stored with the conversion so a manager can see why.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Method(StrEnum):
    CLICK = "click"
    CODE = "code"
    DIRECTLINK = "directlink"  # the order's referring site is one the creator registered
    RECURRING = "recurring"  # a returning customer the creator brought (plan permitting)
    MANUAL = "manual"
    NONE = "none"


@dataclass(frozen=True)
class ClickFacts:
    click_id: str
    guild_id: int
    creator_id: int
    link_id: int
    clicked_at: int
    visitor_hash: str
    creator_active: bool


@dataclass(frozen=True)
class CodeFacts:
    code: str
    guild_id: int
    creator_id: int
    active: bool  # the code is active and its creator is active


@dataclass(frozen=True)
class SiteFacts:
    """The approved site an order's referring site matched (DirectLink)."""

    site_id: int
    guild_id: int
    creator_id: int
    creator_active: bool


@dataclass(frozen=True)
class Rules:
    window_days: int = 30
    code_beats_click: bool = True


@dataclass(frozen=True)
class Attribution:
    method: Method
    reason: str
    guild_id: int | None = None
    creator_id: int | None = None
    link_id: int | None = None
    click_id: str | None = None
    code: str | None = None
    visitor_hash: str | None = None


CLOCK_SKEW_SECONDS = 300


def attribute(
    occurred_at: int,
    click: ClickFacts | None,
    code: CodeFacts | None,
    rules: Rules,
    *,
    click_id_given: bool = False,
    code_given: bool = False,
    site: SiteFacts | None = None,
) -> Attribution:
    """Decide the creator of an order from what it carried.

    ``site`` (DirectLink) is used only when there is no valid click and no valid code; a
    click and a code decide between themselves as before.
    """
    reasons: list[str] = []
    valid_click = None
    if click is not None:
        age = occurred_at - click.clicked_at
        if not click.creator_active:
            reasons.append("click_creator_inactive")
        elif age > rules.window_days * 86_400:
            reasons.append("click_expired")
        elif age < -CLOCK_SKEW_SECONDS:
            reasons.append("click_after_order")
        else:
            valid_click = click
    elif click_id_given:
        reasons.append("click_unknown")
    valid_code = None
    if code is not None:
        if code.active:
            valid_code = code
        else:
            reasons.append("code_inactive")
    elif code_given:
        reasons.append("code_unknown")

    def by_click(reason: str) -> Attribution:
        assert valid_click is not None
        return Attribution(
            Method.CLICK,
            reason,
            guild_id=valid_click.guild_id,
            creator_id=valid_click.creator_id,
            link_id=valid_click.link_id,
            click_id=valid_click.click_id,
            code=valid_code.code if valid_code else None,
            visitor_hash=valid_click.visitor_hash,
        )

    def by_code(reason: str) -> Attribution:
        assert valid_code is not None
        return Attribution(
            Method.CODE,
            reason,
            guild_id=valid_code.guild_id,
            creator_id=valid_code.creator_id,
            click_id=valid_click.click_id if valid_click else None,
            code=valid_code.code,
            visitor_hash=valid_click.visitor_hash if valid_click else None,
        )

    if valid_click and valid_code:
        if valid_click.creator_id == valid_code.creator_id:
            return by_click("click_and_code")
        if rules.code_beats_click:
            return by_code("conflict_code_wins")
        return by_click("conflict_click_wins")
    if valid_click:
        return by_click(",".join(["click", *reasons]))
    if valid_code:
        return by_code(",".join(["code", *reasons]))
    if site is not None:
        if site.creator_active:
            return Attribution(
                Method.DIRECTLINK,
                ",".join([f"directlink:site={site.site_id}", *reasons]),
                guild_id=site.guild_id,
                creator_id=site.creator_id,
            )
        reasons.append("site_creator_inactive")
    return Attribution(Method.NONE, ",".join(reasons) or "no_click_or_code")
