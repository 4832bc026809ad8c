"""The review queue's buttons carry their filter in the custom_id."""

from __future__ import annotations

import pytest

from bot.domain.applications import Platform, Status
from bot.domain.review_queue import QueueFilter
from bot.domain.tiers import Tier
from cogs.review_queue import FilterTooLong, QueueButton, decode_filter, encode_filter


def test_filter_survives_the_custom_id() -> None:
    """Every option, a colon in the niche included, comes back from the custom_id."""
    chosen = QueueFilter(Status.OPEN, Tier.MICRO, Platform.TIKTOK, 1.25, "food: vegan 100%")
    assert decode_filter(encode_filter(chosen)) == chosen
    assert decode_filter(encode_filter(QueueFilter())) == QueueFilter()


def test_too_long_filter_is_refused() -> None:
    """A filter that would not fit Discord's 100-character custom_id is an expected error."""
    with pytest.raises(FilterTooLong):
        QueueButton("next", 0, QueueFilter(niche="%" * 30), "en")
