"""`creatorbot demo` plays its walk-through against the emulator and finishes cleanly."""

from __future__ import annotations

import pytest

from bot.demo import run_demo

pytestmark = pytest.mark.timeout(120)


async def test_demo_walkthrough(capsys: pytest.CaptureFixture[str]) -> None:
    """The transcript shows setup, apply, approve (the code appearing in the local Shopify),
    click, order, stats, summary, a reminder, a bulk approval, a level-up, a broadcast, a gift
    and a bounty."""
    assert await run_demo() == 0
    out = capsys.readouterr().out
    for expected in (
        "[Settings saved]",
        "is not a known timezone",
        "[ Approve ]  [ Reject ]  [ Request info ]",
        "Your personal discount code: **ANNABAKES15**",
        "the local Shopify now holds ANNABAKES15 (15 % off, active)",
        "Je kunt je opnieuw aanmelden vanaf",
        "**Clicks:** 2 (1 unique)",
        "**From:** Instagram 100%",
        "**Countries:** Netherlands 100%",
        "**Orders:** 1",
        "**Pending** (in the hold period): €6.38",
        "📎 summary.png",
        "⏳ Reminder: your Instagram reel (#1) is due",
        "Done: 6 approved, 6 welcome DMs sent, 0 closed DMs.",
        "Welcome to the creator program, eli.bakes!",
        "15% from 1 order in the last 30 days, role @Silver",
        "You reached Silver: 15% from now on.",
        "anna has the Silver creators role: yes",
        "matches 4 creators now",
        "Send to **4** creators of **instagram\\-nano**?",
        "Done: “Spring drop” sent to 4 of 4 creators, 0 closed DMs, 0 left the server.",
        "🏆 Bounty #1: Your bake with #lemonloaf",
        "Approve only a post that does what the bounty asks.",
        "is winner 1 of 3 (€25.00 booked as a commission)",
        "won **Your bake with \\#lemonloaf**: winner 1 of 3.",
        "Demo finished",
    ):
        assert expected in out, expected
