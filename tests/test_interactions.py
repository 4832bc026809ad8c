"""The reply helper shared by every cog."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import timedelta

import discord
import pytest

from bot.interactions import name_choices, reply


@pytest.fixture
async def client() -> AsyncIterator[discord.Client]:
    """A client that never logged in: any attempt to reach Discord would raise."""
    client = discord.Client(intents=discord.Intents(guilds=True))
    yield client
    await client.close()


def _click(client: discord.Client, age: timedelta) -> discord.Interaction:
    """A button click in a DM, created ``age`` ago (Discord dates interactions by their id)."""
    created = discord.utils.utcnow() - age
    payload = {
        "id": str(discord.utils.time_snowflake(created)),
        "application_id": "1",
        "type": 3,
        "token": "token",
        "version": 1,
        "channel_id": "5",
        "locale": "en-US",
        "attachment_size_limit": 10_485_760,
        "entitlements": [],
        "context": 1,
        "authorizing_integration_owners": {"0": "0"},
        "app_permissions": "0",
        "data": {"custom_id": "cb:app:approve:1", "component_type": 2},
        "user": {"id": "7", "username": "anna", "discriminator": "0", "avatar": None},
    }
    return discord.Interaction(data=payload, state=client._connection)  # type: ignore[arg-type]


async def test_expired_interaction_is_not_answered(
    client: discord.Client, caplog: pytest.LogCaptureFixture
) -> None:
    """Past the 15-minute token lifetime the answer is dropped with one info line, no error."""
    interaction = _click(client, timedelta(minutes=16))
    with caplog.at_level(logging.INFO, logger="bot.interactions"):
        await reply(interaction, "Approved.")
    [record] = [r for r in caplog.records if r.name == "bot.interactions"]
    assert record.levelno == logging.INFO and "expired" in record.getMessage()


def test_name_choices_match_anywhere_and_put_prefixes_first() -> None:
    """Typing 'sp' offers 'Spring' before 'Wasp', ignores case, and stops at 25."""
    choices = name_choices(["Wasp", "Spring", "Autumn"], "SP")
    assert [c.value for c in choices] == ["Spring", "Wasp"]
    assert len(name_choices([f"c{i}" for i in range(40)], "")) == 25
