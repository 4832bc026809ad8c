"""End-to-end tests: the real discord.py client against the Discord emulator."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import discord
import pytest
from discord import app_commands

from emulators.discord import Attachment, DiscordEmulator, EmulatorError
from emulators.discord._constants import Intent

from .conftest import EmuTestBot, World


async def eventually(predicate: Callable[[], bool], within: float = 2.0) -> None:
    """Poll ``predicate`` until it is true (gateway events are processed asynchronously)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


# --------------------------------------------------------------------- connect
async def test_connect_ready_and_guild_cached(emu: DiscordEmulator, world: World, bot: EmuTestBot):
    """READY + GUILD_CREATE fill the client's cache with the guild, roles, channels and members."""
    guild = bot.get_guild(world.guild.id)
    assert guild is not None and guild.name == "Brand HQ"
    assert bot.user is not None and bot.user.id == emu.bot_user.id
    assert bot.application_id == emu.application_id
    assert guild.get_channel(world.review.id).name == "review"
    assert guild.get_role(world.creators.id).name == "Creators"
    assert guild.get_member(world.anna.id).name == "anna"
    assert guild.member_count == len(world.guild.members) and guild.chunked
    assert guild.me.guild_permissions.manage_roles
    assert emu.identified_intents[-1] & Intent.GUILD_MEMBERS
    assert emu._gateway.connection_log[-1]["compression"] == "zlib-stream"
    assert emu.unhandled_requests == []


async def test_world_changes_are_dispatched(emu: DiscordEmulator, world: World, bot: EmuTestBot):
    """Roles, channels and members created after connecting reach the client cache."""
    role = world.guild.create_role("Ambassadors")
    channel = world.guild.create_text_channel("briefs")
    carl = emu.create_user("carl")
    world.guild.add_member(carl, roles=[role.id])
    guild = bot.get_guild(world.guild.id)
    await eventually(lambda: guild.get_member(carl.id) is not None)
    assert guild.get_role(role.id).name == "Ambassadors"
    assert guild.get_channel(channel.id).name == "briefs"
    assert role.id in {r.id for r in guild.get_member(carl.id).roles}


# ----------------------------------------------------------------- sync/limits
async def test_sync_registers_commands(emu: DiscordEmulator, bot: EmuTestBot):
    """tree.sync() bulk-overwrites global commands, with ids and sub-command schemas."""
    names = {c["name"] for c in emu.commands()}
    assert {"ping", "slow", "review", "creator", "submit"} <= names
    creator = next(c for c in emu.commands() if c["name"] == "creator")
    assert creator["options"][0]["name"] == "approve" and creator["options"][0]["type"] == 1
    first_ids = {c["name"]: c["id"] for c in emu.commands()}
    synced = await bot.tree.sync()
    assert {c.name: str(c.id) for c in synced} == first_ids  # ids are stable across syncs


async def test_sync_rejects_too_long_description(emu: DiscordEmulator, bot: EmuTestBot):
    """A 101-character description is refused with 50035 and recorded as a violation."""

    async def verbose(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("hi")

    bot.tree.add_command(
        app_commands.Command(name="verbose", description="x" * 101, callback=verbose)
    )
    with pytest.raises(app_commands.CommandSyncFailure) as info:
        await bot.tree.sync()
    assert info.value.status == 400 and info.value.code == 50035
    assert "Must be between 1 and 100 in length" in str(info.value)
    assert emu.violations[-1].kind == "command_registration"
    assert "verbose" not in {c["name"] for c in emu.commands()}


# -------------------------------------------------------------- interactions
async def test_slash_command_ephemeral_reply(emu: DiscordEmulator, world: World, bot: EmuTestBot):
    """Invoking /ping returns the bot's ephemeral reply."""
    it = await emu.invoke(world.anna.id, "ping", guild_id=world.guild.id)
    assert it.response_type == 4 and it.ephemeral and it.content == "pong"
    assert it.error is None
    assert emu.messages(it.channel_id) == []  # ephemeral replies are not public messages
    emu.assert_no_violations()


async def test_deferred_response_and_followups(emu: DiscordEmulator, world: World, bot: EmuTestBot):
    """A deferral is answered by followups; the first one replaces the thinking message."""
    it = await emu.invoke(world.anna.id, "slow", guild_id=world.guild.id)
    assert it.response_type == 5
    followups = await it.wait_followups(2)
    assert followups[0].content == "done thinking" and followups[0] is it.message
    assert it.content == "done thinking" and not it.message.loading
    assert followups[1].content == "second followup" and followups[1].ephemeral
    emu.assert_no_violations()


async def test_three_second_deadline(emu: DiscordEmulator, world: World, bot: EmuTestBot):
    """A callback after 3 s (fake clock) gets 404 code 10062 and marks the interaction late."""
    it = await emu.invoke(world.anna.id, "late", guild_id=world.guild.id)
    assert it.error == "deadline" and it.response_type is None
    assert await asyncio.wait_for(bot.outcome("late"), 5) == 10062
    assert [v.kind for v in emu.violations] == ["deadline"]


async def test_subcommand_with_resolved_member(emu: DiscordEmulator, world: World, bot: EmuTestBot):
    """A space-separated path invokes a sub-command; member options arrive resolved."""
    it = await emu.invoke(
        world.admin.id,
        "creator approve",
        options={"member": world.anna.id, "note": "great reels"},
        guild_id=world.guild.id,
    )
    assert it.content == "approved anna (great reels)"


async def test_invoke_validates_against_registered_schema(
    emu: DiscordEmulator, world: World, bot: EmuTestBot
):
    """Unknown commands, unknown options, wrong types and missing required options fail loudly."""
    g = world.guild.id
    with pytest.raises(EmulatorError, match="not registered"):
        await emu.invoke(world.anna.id, "nope", guild_id=g)
    with pytest.raises(EmulatorError, match="no option"):
        await emu.invoke(
            world.anna.id, "submit", options={"deliverable": "reel", "x": 1}, guild_id=g
        )
    with pytest.raises(EmulatorError, match="needs a str"):
        await emu.invoke(world.anna.id, "submit", options={"deliverable": 5}, guild_id=g)
    with pytest.raises(EmulatorError, match="requires option"):
        await emu.invoke(world.anna.id, "creator approve", guild_id=g)
    with pytest.raises(EmulatorError, match="needs a sub-command"):
        await emu.invoke(world.anna.id, "creator", guild_id=g)


async def test_autocomplete_returns_choices(emu: DiscordEmulator, world: World, bot: EmuTestBot):
    """Autocomplete interactions return the bot's (validated) choices."""
    choices = await emu.autocomplete(
        world.anna.id,
        "submit",
        options={"deliverable": "re"},
        focused="deliverable",
        guild_id=world.guild.id,
    )
    assert [c["value"] for c in choices] == ["reel", "review", "repost"]
    assert choices[0]["name"] == "Reel"


async def test_interaction_carries_permissions_and_locale(
    emu: DiscordEmulator, world: World, bot: EmuTestBot
):
    """Member permissions, app permissions and locale are computed like Discord does."""
    g = world.guild.id
    admin = await emu.invoke(world.admin.id, "whoami", guild_id=g)
    assert admin.content == "admin Brand HQ en-US manage_guild=True bot_roles=True"
    anna = await emu.invoke(world.anna.id, "whoami", guild_id=g, locale="nl")
    assert anna.content == "anna Brand HQ nl manage_guild=False bot_roles=True"
    in_dm = await emu.invoke(world.bob.id, "whoami", dm=True)
    assert in_dm.content == "bob dm nl manage_guild=False bot_roles=False"


async def test_default_member_permissions_hide_commands(
    emu: DiscordEmulator, world: World, bot: EmuTestBot
):
    """Members lacking default_member_permissions can't see the command until it is granted."""
    with pytest.raises(EmulatorError, match="hidden"):
        await emu.invoke(world.anna.id, "settings", guild_id=world.guild.id)
    with pytest.raises(EmulatorError, match="not available in DMs"):
        await emu.invoke(world.admin.id, "settings", dm=True)
    it = await emu.invoke(world.admin.id, "settings", guild_id=world.guild.id)
    assert it.content == "settings"
    emu.allow_command(world.guild.id, "settings", user_id=world.anna.id)
    it = await emu.invoke(world.anna.id, "settings", guild_id=world.guild.id)
    assert it.content == "settings"  # granted under Integrations


async def test_guild_sync_and_invoke(emu: DiscordEmulator, world: World, bot: EmuTestBot):
    """Guild-scoped syncs are stored per guild and invoked with data.guild_id."""
    target = discord.Object(world.guild.id)
    bot.tree.copy_global_to(guild=target)
    await bot.tree.sync(guild=target)
    assert "ping" in {c["name"] for c in emu.commands(world.guild.id)}
    it = await emu.invoke(world.anna.id, "ping", guild_id=world.guild.id)
    assert it.payload["data"]["guild_id"] == str(world.guild.id)
    assert it.content == "pong"


async def test_edit_original_response(emu: DiscordEmulator, world: World, bot: EmuTestBot):
    """PATCH/GET @original update the deferred response; waiting on content works."""
    it = await emu.invoke(world.anna.id, "progress", guild_id=world.guild.id)
    assert it.response_type == 5 and it.ephemeral
    await it.wait_until(lambda i: (i.content or "").startswith("done"))
    assert it.content == "done (was 50%)" and not it.message.loading
    assert len(it.message.edits) == 2


# ---------------------------------------------------------------- components
async def test_select_menus(emu: DiscordEmulator, world: World, bot: EmuTestBot):
    """String and user selects dispatch values (validated against the menu) to the view."""
    it = await emu.invoke(world.admin.id, "pick", guild_id=world.guild.id)
    picked = await emu.select(it.message, custom_id="pick:format", values=["reel", "story"])
    assert picked.content == "picked reel,story"
    with pytest.raises(EmulatorError, match="has no option"):
        await emu.select(it.message, custom_id="pick:format", values=["tiktok"])
    with pytest.raises(EmulatorError, match=r"takes 1\.\.2 values"):
        await emu.select(it.message, custom_id="pick:format", values=["reel", "story", "review"])
    assigned = await emu.select(it.message, custom_id="pick:user", values=[world.anna.id])
    assert assigned.response_type == 6
    await assigned.wait_until(lambda i: i.content == "assigned to anna")
    assert emu.get_message(it.message.id).content == "assigned to anna"


async def test_button_click_updates_message(emu: DiscordEmulator, world: World, bot: EmuTestBot):
    """Clicking a button by label dispatches the view callback, which edits the message."""
    it = await emu.invoke(world.admin.id, "review", guild_id=world.guild.id)
    message = it.message
    assert [b["label"] for b in message.buttons] == ["Approve", "Reject", "Archived"]
    assert emu.messages(it.channel_id) == [message]
    click = await emu.click(message, label="Approve", user_id=world.admin.id)
    assert click.response_type == 7
    assert message.content == "approved by admin" and message.components == []
    with pytest.raises(EmulatorError, match="no button"):
        await emu.click(message, label="Approve", user_id=world.admin.id)


async def test_disabled_button_cannot_be_clicked(
    emu: DiscordEmulator, world: World, bot: EmuTestBot
):
    """A disabled button raises instead of dispatching an interaction."""
    it = await emu.invoke(world.admin.id, "review", guild_id=world.guild.id)
    with pytest.raises(EmulatorError, match="disabled"):
        await emu.click(it.message, label="Archived", user_id=world.admin.id)


async def test_modal_from_button_and_submit(emu: DiscordEmulator, world: World, bot: EmuTestBot):
    """A button opens a modal; submitting enforces required/min length and reaches on_submit."""
    it = await emu.invoke(world.admin.id, "review", guild_id=world.guild.id)
    opened = await emu.click(it.message, label="Reject", user_id=world.admin.id)
    assert opened.response_type == 9 and opened.modal["title"] == "Reject submission"
    with pytest.raises(EmulatorError, match="required"):
        await emu.submit_modal(opened, {"Note": "x"})
    with pytest.raises(EmulatorError, match="at least 3"):
        await emu.submit_modal(opened, {"reason": "no"})
    submitted = await emu.submit_modal(opened, {"Reason": "too small"})
    assert submitted.content == "rejected: too small" and submitted.ephemeral


async def test_modal_with_label_component(emu: DiscordEmulator, world: World, bot: EmuTestBot):
    """Modals using the Label (type 18) layout are supported, keyed by label or custom_id."""
    it = await emu.invoke(world.anna.id, "feedback", guild_id=world.guild.id)
    assert it.modal["components"][0]["type"] == 18
    submitted = await emu.submit_modal(it, {"Comment": "love it"})
    assert submitted.content == "thanks: love it"


# ---------------------------------------------------------- messages & limits
async def test_send_message_to_channel(emu: DiscordEmulator, world: World, bot: EmuTestBot):
    """channel.send() stores the message and the client sees its own MESSAGE_CREATE."""
    it = await emu.invoke(
        world.admin.id,
        "announce",
        options={"channel": world.review.id, "text": "new brief is live"},
        guild_id=world.guild.id,
    )
    assert it.content == "sent"
    [message] = emu.messages(world.review.id)
    assert message.content == "new brief is live" and message.author_id == emu.bot_user.id
    await eventually(lambda: any(m.id == message.id for m in bot.cached_messages))


async def test_content_over_2000_chars_is_refused(
    emu: DiscordEmulator, world: World, bot: EmuTestBot
):
    """Content over 2000 characters raises HTTPException 50035 in the bot."""
    it = await emu.invoke(
        world.admin.id,
        "announce",
        options={"channel": world.review.id, "text": "x" * 2001},
        guild_id=world.guild.id,
    )
    assert it.content == "failed 400 50035"
    assert emu.messages(world.review.id) == []
    assert emu.violations[-1].kind == "invalid_form_body"
    assert "content" in emu.violations[-1].errors


async def test_rate_limit_is_retried_once(emu: DiscordEmulator, world: World, bot: EmuTestBot):
    """An injected 429 (with Via header) is retried by discord.py; the message arrives once."""
    fault = emu.inject_rate_limit("POST", r"/channels/\d+/messages", count=1, retry_after=0.2)
    it = await emu.invoke(
        world.admin.id,
        "announce",
        options={"channel": world.review.id, "text": "hello"},
        guild_id=world.guild.id,
    )
    assert it.content == "sent" and fault.hits == 1
    assert len(emu.messages(world.review.id)) == 1
    path = f"/channels/{world.review.id}/messages"
    assert [r.status for r in emu.requests if r.path == path] == [429, 200]


async def test_server_error_is_retried(emu: DiscordEmulator, world: World, bot: EmuTestBot):
    """An injected 500 is retried by discord.py and the message is stored once."""
    emu.inject_error("POST", r"/channels/\d+/messages", status=500)
    it = await emu.invoke(
        world.admin.id,
        "announce",
        options={"channel": world.review.id, "text": "retry me"},
        guild_id=world.guild.id,
    )
    assert it.content == "sent"
    assert [m.content for m in emu.messages(world.review.id)] == ["retry me"]
    path = f"/channels/{world.review.id}/messages"
    assert [r.status for r in emu.requests if r.path == path] == [500, 200]


async def test_dm_open_and_closed(emu: DiscordEmulator, world: World, bot: EmuTestBot):
    """DMs are stored per user; closed DMs raise Forbidden code 50007 in the bot."""
    g = world.guild.id
    it = await emu.invoke(
        world.admin.id, "dm", options={"member": world.anna.id, "text": "hi"}, guild_id=g
    )
    assert it.content == "dm sent"
    assert [m.content for m in emu.dms(world.anna.id)] == ["hi"]
    emu.close_dms(world.bob.id)
    it = await emu.invoke(
        world.admin.id, "dm", options={"member": world.bob.id, "text": "hi"}, guild_id=g
    )
    assert it.content == "dm failed 50007"
    assert emu.dms(world.bob.id) == []


async def test_button_in_dm(emu: DiscordEmulator, world: World, bot: EmuTestBot):
    """A button on a DM is clicked by its recipient (the default user) in a DM context."""
    await emu.invoke(
        world.admin.id, "nudge", options={"member": world.anna.id}, guild_id=world.guild.id
    )
    [dm] = emu.dms(world.anna.id)
    with pytest.raises(EmulatorError, match="cannot see a DM"):
        await emu.click(dm, label="Got it", user_id=world.bob.id)
    click = await emu.click(dm, label="Got it", dm=True)
    assert click.payload["context"] == 1 and "user" in click.payload
    assert click.response_type == 7 and emu.get_message(dm.id).content == "anna got it"


async def test_user_messages_respect_message_content_intent(
    emu: DiscordEmulator, world: World, bot: EmuTestBot
):
    """Without the MESSAGE_CONTENT intent the bot only sees content that mentions it."""
    emu.send_user_message(world.anna.id, world.review.id, "secret plans")
    emu.send_user_message(world.anna.id, world.review.id, f"hey <@{emu.bot_user.id}> help")
    await eventually(lambda: len(bot.seen_messages) == 2)
    assert [m.content for m in bot.seen_messages] == ["", f"hey <@{emu.bot_user.id}> help"]
    assert bot.user in bot.seen_messages[1].mentions
    assert emu.messages(world.review.id)[0].content == "secret plans"


async def test_file_upload_is_stored(emu: DiscordEmulator, world: World, bot: EmuTestBot):
    """Files sent as multipart are stored with their bytes, name and content type."""
    it = await emu.invoke(world.anna.id, "upload", guild_id=world.guild.id)
    [attachment] = it.attachments
    assert attachment.filename == "report.csv" and attachment.content_type == "text/csv"
    assert attachment.content == b"creator,clicks\nanna,42\n"
    assert it.content == "here is the report"


async def test_attachment_option_is_downloadable(
    emu: DiscordEmulator, world: World, bot: EmuTestBot
):
    """ATTACHMENT options are resolved with a URL the bot can download from the emulator."""
    it = await emu.invoke(
        world.anna.id,
        "inspect",
        options={"file": Attachment("proof.png", b"\x89PNG" + b"0" * 96)},
        guild_id=world.guild.id,
    )
    assert it.content == "proof.png: 100 bytes"


# ------------------------------------------------------------------- roles
async def test_role_add_reaches_member_cache(emu: DiscordEmulator, world: World, bot: EmuTestBot):
    """member.add_roles() is recorded and the client's cache is updated via GUILD_MEMBER_UPDATE."""
    it = await emu.invoke(
        world.admin.id,
        "grant",
        options={"member": world.anna.id, "role": world.creators.id},
        guild_id=world.guild.id,
    )
    assert it.content == "granted Creators"
    assert world.creators.id in emu.member_roles(world.guild.id, world.anna.id)
    change = emu.role_changes[-1]
    assert (change.user_id, change.role_id, change.added) == (
        world.anna.id,
        world.creators.id,
        True,
    )
    assert change.reason == "approved creator"
    member = bot.get_guild(world.guild.id).get_member(world.anna.id)
    await eventually(lambda: any(r.id == world.creators.id for r in member.roles))


async def test_role_above_bot_is_forbidden(emu: DiscordEmulator, world: World, bot: EmuTestBot):
    """Discord's role hierarchy applies: a role above the bot's role gives 403 code 50013."""
    staff = world.guild.create_role("Staff", position=world.guild.bot_role.position + 1)
    await eventually(lambda: bot.get_guild(world.guild.id).get_role(staff.id) is not None)
    it = await emu.invoke(
        world.admin.id,
        "grant",
        options={"member": world.anna.id, "role": staff.id},
        guild_id=world.guild.id,
    )
    assert it.content == "forbidden 50013"
    assert emu.role_changes == []


# -------------------------------------------------------------- gateway life
async def test_second_client_reconnects(
    emu: DiscordEmulator, world: World, bot: EmuTestBot, make_bot: Callable[..., Any]
):
    """After a restart a new client identifies again, gets the same world and works."""
    await bot.close()
    second = await make_bot(sync=False)
    await emu.wait_until_connected(timeout=5)
    assert emu.connection_count == 2
    assert second.get_guild(world.guild.id).get_channel(world.review.id) is not None
    it = await emu.invoke(world.anna.id, "ping", guild_id=world.guild.id)
    assert it.content == "pong"


async def test_disconnect_resumes_and_replays(emu: DiscordEmulator, world: World, bot: EmuTestBot):
    """A server-side disconnect makes discord.py RESUME; events sent meanwhile are replayed."""
    resumed = asyncio.ensure_future(bot.wait_for("resumed", timeout=5))
    await emu.disconnect_clients()
    role = world.guild.create_role("While offline")
    await resumed
    await eventually(lambda: bot.get_guild(world.guild.id).get_role(role.id) is not None)
    assert emu.connection_count == 1


async def test_unknown_routes_are_recorded(emu: DiscordEmulator, world: World, bot: EmuTestBot):
    """Requests to routes the emulator lacks answer 404 and land in unhandled_requests."""
    route = discord.http.Route("GET", "/guilds/{guild_id}/bans", guild_id=world.guild.id)
    with pytest.raises(discord.NotFound):
        await bot.http.request(route)
    assert [r.path for r in emu.unhandled_requests] == [f"/guilds/{world.guild.id}/bans"]


async def test_bad_token_is_rejected(emu: DiscordEmulator, world: World):
    """Logging in with a wrong token fails like Discord's 401."""
    client = discord.Client(intents=discord.Intents.default())
    with pytest.raises(discord.LoginFailure):
        await client.login("not-the-token")
    await client.close()
    assert emu.requests[-1].status == 401
