"""Broadcast rules: the brief, the image, the campaign standing in for a link, the counts."""

from __future__ import annotations

import pytest

from bot.domain.broadcasts import (
    DM_CLOSED,
    DM_SENT,
    LEFT,
    InvalidBrief,
    InvalidLink,
    LinkNotAllowed,
    NotAnImage,
    check_image,
    link_campaign,
    needs_second_confirmation,
    tally,
    validate_brief,
)
from bot.domain.creators import Campaign

ALLOWED = frozenset({"shop.example.com", "brand.example"})


def _campaign(cid: int, url: str, *, default: bool = False, active: bool = True) -> Campaign:
    return Campaign(cid, 1, f"c{cid}", f"c{cid}", url, None, default, active)


SHOP = _campaign(1, "https://shop.example.com", default=True)
SPRING = _campaign(2, "https://shop.example.com/spring")
OLD = _campaign(3, "https://brand.example/old", active=False)


def test_brief_is_trimmed_and_keeps_an_allowed_link() -> None:
    """Spaces around the fields go; a link on an allowed domain (or a subdomain) is kept."""
    brief = validate_brief(
        "  Spring   drop ", "\n Text \n", " https://www.brand.example/x ", ALLOWED
    )
    assert (brief.title, brief.text, brief.link) == (
        "Spring drop",
        "Text",
        "https://www.brand.example/x",
    )
    assert validate_brief("T", "X", "  ", ALLOWED).link is None


@pytest.mark.parametrize(
    ("title", "text", "field"),
    [("", "x", "title"), ("t" * 101, "x", "title"), ("t", " ", "text"), ("t", "x" * 1501, "text")],
)
def test_brief_fields_have_limits(title: str, text: str, field: str) -> None:
    """An empty or too long title or text names the field and its limit."""
    with pytest.raises(InvalidBrief) as raised:
        validate_brief(title, text, None, ALLOWED)
    assert raised.value.field == field


@pytest.mark.parametrize(
    "link", ["shop.example.com/x", "ftp://shop.example.com/x", "https://a b.com"]
)
def test_link_must_be_a_web_address(link: str) -> None:
    """Anything but an http(s) URL is refused."""
    with pytest.raises(InvalidLink):
        validate_brief("t", "x", link, ALLOWED)


def test_link_off_the_allowed_domains_names_them() -> None:
    """A link to another site is refused, naming its host and the allowed domains."""
    with pytest.raises(LinkNotAllowed) as raised:
        validate_brief("t", "x", "https://evil.example.org/", ALLOWED)
    assert raised.value.host == "evil.example.org"
    assert raised.value.allowed == ["brand.example", "shop.example.com"]


def test_only_images_may_be_attached() -> None:
    """image/* passes; a PDF or an unknown type does not."""
    check_image("image/png")
    check_image("image/jpeg; charset=binary")
    for bad in ("application/pdf", None, ""):
        with pytest.raises(NotAnImage):
            check_image(bad)


def test_the_chosen_campaign_stands_in_for_any_link() -> None:
    """A chosen campaign wins, with or without a link."""
    assert link_campaign("https://shop.example.com/other", SPRING, [SHOP, SPRING]) is SPRING
    assert link_campaign(None, SPRING, [SHOP, SPRING]) is SPRING


def test_a_link_uses_the_campaign_of_that_page_else_the_default() -> None:
    """The campaign leading to the same page is used; otherwise the default one."""
    assert link_campaign("https://shop.example.com/spring/", None, [SHOP, SPRING]) is SPRING
    assert link_campaign("https://shop.example.com/summer", None, [SHOP, SPRING]) is SHOP
    assert link_campaign("https://brand.example/old", None, [SHOP, OLD]) is SHOP
    assert link_campaign(None, None, [SHOP, SPRING]) is None
    assert link_campaign("https://brand.example/", None, []) is None


def test_second_confirmation_only_for_everyone_above_a_hundred() -> None:
    """`all` with 101 asks twice; 100, or a named segment of any size, does not."""
    assert needs_second_confirmation("all", 101)
    assert needs_second_confirmation(" ALL ", 500)
    assert not needs_second_confirmation("all", 100)
    assert not needs_second_confirmation("spring", 5000)


def test_tally_counts_outcomes_and_pending() -> None:
    """The job's counts become sent, closed, left and pending."""
    counts = {"done": 5, DM_SENT: 4, DM_CLOSED: 1, "skipped": 1, LEFT: 1, "failed": 1, "error": 1}
    t = tally(10, counts, False)
    assert (t.sent, t.closed, t.left, t.failed, t.pending) == (4, 1, 1, 1, 3)
    assert tally(3, {}, False).pending == 3
