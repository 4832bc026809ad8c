"""/setup through the real discord.py client and the local Discord emulator."""

from __future__ import annotations

import pytest

from bot.harness import LocalDiscord
from emulators.discord import EmulatorError


async def _setup(world: LocalDiscord, user, locale: str = "en-US", **options):  # type: ignore[no-untyped-def]
    assert world.cast is not None
    it = await world.emu.invoke(
        user.id, "setup", options=options, guild_id=world.cast.guild.id, locale=locale
    )
    await it.wait_response()
    return it


async def test_commands_are_synced_with_dutch_descriptions(discord_world: LocalDiscord) -> None:
    """The bot registers /setup with a Dutch description localisation."""
    commands = {c["name"]: c for c in discord_world.emu.commands()}
    assert "setup" in commands
    setup = commands["setup"]
    assert setup["description_localizations"]["nl"].startswith("Stel het creatorprogramma")
    assert setup["default_member_permissions"] == str(1 << 5)


async def test_manager_sees_current_settings(discord_world: LocalDiscord) -> None:
    """/setup with no options shows the defaults, ephemerally."""
    it = await _setup(discord_world, discord_world.cast.manager)
    assert it.ephemeral
    assert it.embeds[0]["title"] == "Program settings"
    assert "**Timezone:** UTC" in it.embeds[0]["description"]
    discord_world.emu.assert_no_violations()


async def test_manager_changes_settings(discord_world: LocalDiscord) -> None:
    """Options given are validated, stored and shown back marked as changed."""
    cast = discord_world.cast
    it = await _setup(
        discord_world,
        cast.manager,
        review_channel=cast.review.id,
        timezone="Europe/Amsterdam",
        commission_rate="12.5",
    )
    description = it.embeds[0]["description"]
    assert it.embeds[0]["title"] == "Settings saved"
    assert f"<#{cast.review.id}> ✏️" in description
    assert "**Commission rate:** 12.5% ✏️" in description
    stored = await discord_world.services.settings.get(cast.guild.id)
    assert (stored.timezone, stored.commission_rate_bp, stored.review_channel_id) == (
        "Europe/Amsterdam",
        1250,
        cast.review.id,
    )


async def test_non_manager_is_refused(discord_world: LocalDiscord) -> None:
    """A member without Manage Server or the manager role is refused and nothing changes."""
    member = discord_world.add_member("random-member")
    with pytest.raises(EmulatorError, match="hidden"):
        await _setup(discord_world, member)  # Discord does not even show it by default
    # A server admin opened /setup to everyone under Integrations: the bot still refuses.
    discord_world.emu.allow_command(
        discord_world.cast.guild.id, "setup", role_id=discord_world.cast.guild.id
    )
    it = await _setup(discord_world, member, timezone="Asia/Tokyo")
    assert it.ephemeral
    assert "Only program managers" in it.content
    stored = await discord_world.services.settings.get(discord_world.cast.guild.id)
    assert stored.timezone == "UTC"


async def test_manager_role_is_accepted(discord_world: LocalDiscord) -> None:
    """The configured manager role may use manager commands without Manage Server."""
    cast = discord_world.cast
    await _setup(discord_world, cast.manager, manager_role=cast.manager_role.id)
    helper = discord_world.add_member("helper", roles=[cast.manager_role.id])
    # As README says: the admin grants the manager commands to that role under Integrations.
    discord_world.emu.allow_command(cast.guild.id, "setup", role_id=cast.manager_role.id)
    it = await _setup(discord_world, helper, currency="usd")
    assert it.embeds[0]["title"] == "Settings saved"


async def test_bad_timezone_is_rejected(discord_world: LocalDiscord) -> None:
    """An unknown timezone gets a clear ephemeral error and changes nothing."""
    it = await _setup(
        discord_world, discord_world.cast.manager, timezone="Mars/Olympus", hold_days=5
    )
    assert it.ephemeral
    assert "is not a known timezone" in it.content
    stored = await discord_world.services.settings.get(discord_world.cast.guild.id)
    assert (stored.timezone, stored.hold_days) == ("UTC", 30)


async def test_dutch_locale_gets_dutch(discord_world: LocalDiscord) -> None:
    """A Dutch Discord client gets the answer in Dutch."""
    it = await _setup(
        discord_world, discord_world.cast.manager, locale="nl", summary_cron="1 2 3 4 5 6"
    )
    assert "is geen geldige crontab" in it.content


async def test_timezone_autocomplete(discord_world: LocalDiscord) -> None:
    """Typing part of a zone name suggests at most 25 matching zones."""
    choices = await discord_world.emu.autocomplete(
        discord_world.cast.manager.id,
        "setup",
        options={"timezone": "amster"},
        focused="timezone",
        guild_id=discord_world.cast.guild.id,
    )
    assert [c["value"] for c in choices] == ["Europe/Amsterdam"]


async def test_taking_a_campaigns_domain_off_the_list_warns_the_manager(
    discord_world: LocalDiscord,
) -> None:
    """/setup allowed_domains that no longer covers an active campaign says, in the reply,
    which campaign's links now answer 404 (in Dutch for a Dutch manager); a change that
    covers every campaign says nothing of the kind."""
    cast = discord_world.cast
    guild = cast.guild.id
    await _setup(
        discord_world, cast.manager, shop_url="https://shop.example", allowed_domains="blog.example"
    )
    await discord_world.services.campaigns.create(
        guild, cast.manager.id, "Blog post", "https://blog.example/post"
    )
    it = await _setup(discord_world, cast.manager, allowed_domains="blog.example,news.example")
    assert "404" not in it.embeds[0]["description"]

    it = await _setup(discord_world, cast.manager, locale="nl", allowed_domains="news.example")
    description = it.embeds[0]["description"]
    assert "1 actieve campagne leidt nu buiten de toegestane domeinen" in description
    assert "**Blog post**" in description
    assert it.ephemeral
    discord_world.emu.assert_no_violations()
