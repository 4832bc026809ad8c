"""Fixtures for the Discord emulator tests: an emulator, a small world and a real discord.py bot."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import discord
import pytest
from discord import app_commands
from discord.ext import commands

from emulators.discord import DiscordEmulator, FakeClock, Guild, Role, User, point_discord_py_at
from emulators.discord._state import Channel

DELIVERABLES = ["reel", "review", "story", "repost", "unboxing"]


class ReviewView(discord.ui.View):
    """Two buttons; Approve edits the message in place (UPDATE_MESSAGE)."""

    def __init__(self) -> None:
        super().__init__(timeout=60)

    @discord.ui.button(
        label="Approve", style=discord.ButtonStyle.success, custom_id="review:approve"
    )
    async def approve(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.edit_message(
            content=f"approved by {interaction.user.name}", view=None
        )
        self.stop()

    @discord.ui.button(label="Reject", style=discord.ButtonStyle.danger, custom_id="review:reject")
    async def reject(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.send_modal(RejectModal())

    @discord.ui.button(label="Archived", disabled=True, custom_id="review:archived")
    async def archived(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        raise AssertionError("disabled buttons cannot be clicked")


class RejectModal(discord.ui.Modal, title="Reject submission"):
    """Classic modal: text inputs wrapped in action rows."""

    reason = discord.ui.TextInput(label="Reason", custom_id="reason", min_length=3, max_length=200)
    note = discord.ui.TextInput(label="Note", custom_id="note", required=False)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"rejected: {self.reason.value}", ephemeral=True)


class FeedbackModal(discord.ui.Modal, title="Feedback"):
    """Newer modal shape: a Label component (type 18) wrapping the text input."""

    comment = discord.ui.Label(
        text="Comment",
        component=discord.ui.TextInput(custom_id="comment", style=discord.TextStyle.paragraph),
    )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        value = self.comment.component.value  # type: ignore[union-attr]
        await interaction.response.send_message(f"thanks: {value}", ephemeral=True)


class PickView(discord.ui.View):
    """A string select and a user select."""

    def __init__(self) -> None:
        super().__init__(timeout=60)

    @discord.ui.select(
        custom_id="pick:format",
        min_values=1,
        max_values=2,
        options=[discord.SelectOption(label=d.title(), value=d) for d in DELIVERABLES],
    )
    async def formats(self, interaction: discord.Interaction, select: discord.ui.Select) -> None:
        await interaction.response.send_message("picked " + ",".join(select.values), ephemeral=True)

    @discord.ui.select(cls=discord.ui.UserSelect, custom_id="pick:user")
    async def user(self, interaction: discord.Interaction, select: discord.ui.UserSelect) -> None:
        await interaction.response.defer()
        await interaction.edit_original_response(content=f"assigned to {select.values[0].name}")


class NudgeView(discord.ui.View):
    """Sent in a DM; the recipient acknowledges it."""

    def __init__(self) -> None:
        super().__init__(timeout=60)

    @discord.ui.button(label="Got it", custom_id="nudge:ack")
    async def ack(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.edit_message(
            content=f"{interaction.user.name} got it", view=None
        )


class EmuTestBot(commands.Bot):
    """A tiny bot exercising every emulator feature through real discord.py calls."""

    def __init__(self, clock: FakeClock) -> None:
        intents = discord.Intents.default()
        intents.members = True
        super().__init__(
            command_prefix=commands.when_mentioned, intents=intents, guild_ready_timeout=0.05
        )
        self.clock = clock
        self.outcomes: dict[str, asyncio.Future[Any]] = {}
        self.seen_messages: list[discord.Message] = []

    async def on_message(self, message: discord.Message) -> None:
        if message.author != self.user:
            self.seen_messages.append(message)

    def outcome(self, name: str) -> asyncio.Future[Any]:
        """A future the commands resolve so tests can see what discord.py raised."""
        if name not in self.outcomes:
            self.outcomes[name] = asyncio.get_running_loop().create_future()
        return self.outcomes[name]

    async def setup_hook(self) -> None:
        register_commands(self)


def register_commands(bot: EmuTestBot) -> None:
    tree = bot.tree

    @tree.command(description="Replies with pong (ephemeral)")
    async def ping(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("pong", ephemeral=True)

    @tree.command(description="Defers, then answers with a followup")
    async def slow(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await interaction.followup.send("done thinking")
        await interaction.followup.send("second followup", ephemeral=True)

    @tree.command(description="Answers after the 3 second deadline")
    async def late(interaction: discord.Interaction) -> None:
        bot.clock.advance(3.1)
        try:
            await interaction.response.send_message("too late")
        except discord.NotFound as exc:
            bot.outcome("late").set_result(exc.code)

    @tree.command(description="Posts text to a channel")
    async def announce(
        interaction: discord.Interaction, channel: discord.TextChannel, text: str
    ) -> None:
        try:
            await channel.send(text)
        except discord.HTTPException as exc:
            await interaction.response.send_message(
                f"failed {exc.status} {exc.code}", ephemeral=True
            )
            return
        await interaction.response.send_message("sent", ephemeral=True)

    @tree.command(description="Opens the feedback modal")
    async def feedback(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(FeedbackModal())

    @tree.command(description="Posts a submission with review buttons")
    async def review(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("submission #1", view=ReviewView())

    @tree.command(description="DMs a member")
    async def dm(interaction: discord.Interaction, member: discord.Member, text: str) -> None:
        try:
            await member.send(text)
        except discord.Forbidden as exc:
            await interaction.response.send_message(f"dm failed {exc.code}", ephemeral=True)
            return
        await interaction.response.send_message("dm sent", ephemeral=True)

    @tree.command(description="DMs a member a message with a button")
    async def nudge(interaction: discord.Interaction, member: discord.Member) -> None:
        await member.send("please post your reel", view=NudgeView())
        await interaction.response.send_message("nudged", ephemeral=True)

    @tree.command(description="Gives a member a role")
    async def grant(
        interaction: discord.Interaction, member: discord.Member, role: discord.Role
    ) -> None:
        try:
            await member.add_roles(role, reason="approved creator")
        except discord.Forbidden as exc:
            await interaction.response.send_message(f"forbidden {exc.code}", ephemeral=True)
            return
        await interaction.response.send_message(f"granted {role.name}", ephemeral=True)

    @tree.command(description="Submit a deliverable")
    async def submit(interaction: discord.Interaction, deliverable: str) -> None:
        await interaction.response.send_message(f"submitted {deliverable}", ephemeral=True)

    @submit.autocomplete("deliverable")
    async def deliverable_choices(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [
            app_commands.Choice(name=d.title(), value=d)
            for d in DELIVERABLES
            if d.startswith(current)
        ]

    @tree.command(description="Uploads a CSV report")
    async def upload(interaction: discord.Interaction) -> None:
        report = discord.File(io.BytesIO(b"creator,clicks\nanna,42\n"), filename="report.csv")
        await interaction.response.send_message("here is the report", file=report)

    @tree.command(description="Reads an uploaded file")
    async def inspect(interaction: discord.Interaction, file: discord.Attachment) -> None:
        data = await file.read()
        await interaction.response.send_message(
            f"{file.filename}: {len(data)} bytes", ephemeral=True
        )

    @tree.command(description="Shows what the interaction carries")
    async def whoami(interaction: discord.Interaction) -> None:
        perms = interaction.permissions
        where = interaction.guild.name if interaction.guild else "dm"
        bot_roles = interaction.app_permissions.manage_roles
        await interaction.response.send_message(
            f"{interaction.user.name} {where} {interaction.locale.value} "
            f"manage_guild={perms.manage_guild} bot_roles={bot_roles}",
            ephemeral=True,
        )

    @tree.command(description="Admin only settings")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    async def settings(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("settings", ephemeral=True)

    @tree.command(description="Posts a select menu")
    async def pick(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("choose", view=PickView())

    @tree.command(description="Edits its original response while working")
    async def progress(interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.edit_original_response(content="50%")
        original = await interaction.original_response()
        await interaction.edit_original_response(content=f"done (was {original.content})")

    creator = app_commands.Group(name="creator", description="Manage creators")

    @creator.command(name="approve", description="Approve a creator")
    @app_commands.describe(member="Who to approve", note="Optional note")
    async def creator_approve(
        interaction: discord.Interaction, member: discord.Member, note: str | None = None
    ) -> None:
        suffix = f" ({note})" if note else ""
        await interaction.response.send_message(f"approved {member.name}{suffix}", ephemeral=True)

    tree.add_command(creator)


@dataclass
class World:
    """The guild the tests play in."""

    guild: Guild
    anna: User
    bob: User
    admin: User
    creators: Role
    review: Channel


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def emu(clock: FakeClock) -> AsyncIterator[DiscordEmulator]:
    emulator = DiscordEmulator(clock=clock)
    await emulator.start()
    restore = point_discord_py_at(emulator.api_base, emulator.gateway_url)
    try:
        yield emulator
    finally:
        restore()
        await emulator.stop()


@pytest.fixture
def world(emu: DiscordEmulator) -> World:
    guild = emu.create_guild("Brand HQ")
    anna = emu.create_user("anna", locale="en-US")
    bob = emu.create_user("bob", locale="nl")
    admin = emu.create_user("admin")
    creators = guild.create_role("Creators", permissions=0, position=1)
    admin_role = guild.create_role("Admin", permissions=1 << 5)  # Manage Guild
    guild.add_member(anna)
    guild.add_member(bob)
    guild.add_member(admin, roles=[admin_role.id])
    review = guild.create_text_channel("review")
    return World(guild, anna, bob, admin, creators, review)


async def start_bot(bot: commands.Bot, token: str, within: float = 10.0) -> asyncio.Task[None]:
    """Start ``bot`` in a task and wait until it is ready (surfacing startup errors)."""
    task = asyncio.create_task(bot.start(token), name="emulator-test-bot")
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not bot.is_ready():
        if task.done():
            task.result()
            raise AssertionError("bot stopped before becoming ready")
        if loop.time() > deadline:
            raise AssertionError("bot did not become ready")
        await asyncio.sleep(0.01)
    return task


async def stop_bot(bot: commands.Bot, task: asyncio.Task[None]) -> None:
    await bot.close()
    await asyncio.wait_for(task, 10)


@pytest.fixture
async def make_bot(emu: DiscordEmulator, clock: FakeClock) -> AsyncIterator[Callable[..., Any]]:
    """Factory starting bots against the emulator; every bot is closed at teardown."""
    started: list[tuple[commands.Bot, asyncio.Task[None]]] = []

    async def factory(*, sync: bool = True) -> EmuTestBot:
        instance = EmuTestBot(clock)
        task = await start_bot(instance, emu.token)
        started.append((instance, task))
        if sync:
            await instance.tree.sync()
        return instance

    yield factory
    for instance, task in started:
        if not instance.is_closed():
            await instance.close()
        await asyncio.wait_for(task, 10)


@pytest.fixture
async def bot(world: World, make_bot: Callable[..., Any]) -> EmuTestBot:
    """A started, synced test bot (the world is built before it connects)."""
    return await make_bot()
