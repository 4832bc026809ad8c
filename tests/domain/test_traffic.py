"""Where clicks come from: platform names for referrer hosts, and ranked shares."""

from __future__ import annotations

import pytest

from bot.domain.traffic import Share, shares, source_name, sources


@pytest.mark.parametrize(
    ("host", "name"),
    [
        ("l.instagram.com", "Instagram"),
        ("www.instagram.com", "Instagram"),
        ("lm.facebook.com", "Facebook"),
        ("m.youtube.com", "YouTube"),
        ("youtu.be", "YouTube"),
        ("t.co", "X"),
        ("www.tiktok.com", "TikTok"),
        ("linktr.ee", "Linktree"),
        ("www.google.co.uk", "Google"),
        ("google.nl", "Google"),
        ("www.example.com", "example.com"),
        ("news.ycombinator.com", "news.ycombinator.com"),
        ("instagram.com.evil.example", "instagram.com.evil.example"),  # not a subdomain
        ("notinstagram.com", "notinstagram.com"),
        ("TikTok.com.", "TikTok"),
        (None, None),
        ("", None),
    ],
)
def test_source_name(host: str | None, name: str | None) -> None:
    """Referrer hosts are named after the platform (subdomains included), others stay."""
    assert source_name(host) == name


def test_shares_rank_group_and_sum_the_rest() -> None:
    """Largest first (no referrer last among equals), the top entries, then one 'other'
    line; percentages of the whole, a small share shown as at least 1%."""
    result = sources(
        [
            ("l.instagram.com", 50),
            ("www.instagram.com", 12),
            (None, 20),
            ("t.co", 10),
            ("example.com", 5),
            ("b.example", 2),
            ("c.example", 1),
        ]
    )
    assert result == [
        Share("Instagram", 62, 62),
        Share(None, 20, 20),
        Share("X", 10, 10),
        Share("example.com", 5, 5),
        Share(None, 3, 3, other=True),
    ]
    assert shares([("NL", 999), ("BE", 1)]) == [Share("NL", 999, 100), Share("BE", 1, 1)]
    assert shares([("NL", 5), (None, 5)]) == [Share("NL", 5, 50), Share(None, 5, 50)]
    assert shares([]) == []
