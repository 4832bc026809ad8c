"""Discord glue shared by every cog: the reply helper, the manager check, the error path."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypeVar, cast

import discord
from discord import app_commands

from bot.errors import CreatorbotError
from bot.i18n import language_of, render

if TYPE_CHECKING:
    from bot.client import CreatorBot
    from bot.registry import Services

log = logging.getLogger(__name__)

T = TypeVar("T")

# Nothing the bot posts may ping anyone unless a call opts in to one specific user.
NO_MENTIONS = discord.AllowedMentions.none()


def lang(interaction: discord.Interaction) -> str:
    """The language to answer this interaction in (``en`` or ``nl``)."""
    return language_of(interaction.locale)


def guild_language(client: discord.Client, guild_id: int) -> str:
    """The server's language (its community locale), for what everyone in it reads: cards,
    notes, summaries posted in its channels."""
    guild = client.get_guild(guild_id)
    return language_of(guild.preferred_locale if guild else None)


def name_choices(names: Iterable[str], current: str) -> list[app_commands.Choice[str]]:
    """Autocomplete choices: the names containing what was typed (ignoring case), those
    starting with it first, at most Discord's 25."""
    needle = current.strip().lower()
    matching = [n for n in names if needle in n.lower()]
    matching.sort(key=lambda n: not n.lower().startswith(needle))
    return [app_commands.Choice(name=n, value=n) for n in matching[:25]]


async def segment_choices(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """Autocomplete of a segment option: ``all`` and the server's segments."""
    assert interaction.guild_id is not None
    names = await services(interaction).segments.names(interaction.guild_id)
    return name_choices(["all", *names], current)


def services(interaction: discord.Interaction) -> Services:
    return cast("CreatorBot", interaction.client).services


async def reply(
    interaction: discord.Interaction,
    content: str | None = None,
    *,
    ephemeral: bool = True,
    embed: discord.Embed | None = None,
    view: discord.ui.View | None = None,
    files: list[discord.File] | None = None,
) -> None:
    """Answer an interaction whether or not it was already responded to or deferred.

    An interaction older than Discord's 15-minute token lifetime can no longer be answered
    at all (a slow export, a click delivered after a long outage): that is logged and
    the answer dropped, instead of raising into the caller's error path.
    """
    if interaction.is_expired():
        log.info(
            "interaction %s expired before it was answered (guild=%s, user=%s)",
            interaction.id,
            interaction.guild_id,
            interaction.user.id if interaction.user else None,
        )
        return
    kwargs: dict[str, Any] = {"content": content, "ephemeral": ephemeral}
    kwargs["allowed_mentions"] = NO_MENTIONS
    if embed is not None:
        kwargs["embed"] = embed
    if view is not None:
        kwargs["view"] = view
    if files:
        kwargs["files"] = files
    if interaction.response.is_done():
        await interaction.followup.send(**kwargs)
    else:
        await interaction.response.send_message(**kwargs)


class NotManagerFailure(app_commands.CheckFailure):
    """The member has neither Manage Server nor the configured manager role."""


class GuildOnlyFailure(app_commands.CheckFailure):
    """A server command was used in a DM."""


async def is_manager(interaction: discord.Interaction) -> bool:
    """Manage Server permission, or the server's configured manager role."""
    if interaction.guild is None or not isinstance(interaction.user, discord.Member):
        raise GuildOnlyFailure()
    if interaction.user.guild_permissions.manage_guild:
        return True
    settings = await services(interaction).settings.get(interaction.guild.id)
    role_id = settings.manager_role_id
    if role_id is not None and any(role.id == role_id for role in interaction.user.roles):
        return True
    raise NotManagerFailure()


def manager_only() -> Any:
    """Mark a command (or group) as a program-manager command.

    Sets Discord's default permission to Manage Server (what server admins see under
    Integrations) and checks at run time, where the manager role is accepted too.
    """

    def decorator(func: T) -> T:
        func = app_commands.default_permissions(manage_guild=True)(func)
        func = app_commands.guild_only()(func)
        return app_commands.check(is_manager)(func)

    return decorator


def error_text(error: BaseException, language: str) -> str | None:
    """The user-facing text for an expected error, or ``None`` if it was unexpected."""
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    if isinstance(error, CreatorbotError):
        return render(error.key, language, **error.params)
    if isinstance(error, NotManagerFailure):
        return render("errors.not_manager", language)
    if isinstance(error, GuildOnlyFailure | app_commands.NoPrivateMessage):
        return render("errors.guild_only", language)
    if isinstance(error, app_commands.CommandOnCooldown):
        return render("errors.cooldown", language, seconds=round(error.retry_after))
    if isinstance(error, app_commands.BotMissingPermissions):
        return render("errors.bot_permissions", language, missing=error.missing_permissions)
    if isinstance(error, app_commands.CheckFailure):
        return render("errors.not_allowed", language)
    if isinstance(error, app_commands.TransformerError):
        return render("errors.bad_option", language, value=str(error.value))
    return None


async def answer_error(interaction: discord.Interaction, error: BaseException, where: str) -> None:
    """The one error path of commands, buttons and modals.

    Expected errors are answered ephemerally in the user's language; anything else is
    logged once with its context and answered with a short generic message.
    """
    language = lang(interaction)
    text = error_text(error, language)
    if text is None:
        original = getattr(error, "original", error)
        log.error(
            "unexpected error in %s (guild=%s, user=%s)",
            where,
            interaction.guild_id,
            interaction.user.id if interaction.user else None,
            exc_info=original,
        )
        text = render("errors.unexpected", language)
    try:
        await reply(interaction, text, ephemeral=True)
    except discord.HTTPException:
        log.warning("could not deliver the error answer for %s", where)


class ManagerGroup(app_commands.Group):
    """Base of the program-manager command groups.

    Subclasses pass ``default_permissions=discord.Permissions(manage_guild=True)`` and
    ``guild_only=True`` in their class arguments; every subcommand then runs the manager check.
    """

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return await is_manager(interaction)


class CreatorTree(app_commands.CommandTree):
    """The command tree with the program's single error handler."""

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        command = interaction.command.qualified_name if interaction.command else "command"
        await answer_error(interaction, error, f"/{command}")
        # Listeners that act after every command (e.g. a pending welcome) run on failures too.
        self.client.dispatch("app_command_failed", interaction)


class TextModal(discord.ui.Modal):
    """A one-field modal (a reason, a question): subclasses implement :meth:`on_text`.

    The submit is deferred ephemerally first, so the work may take longer than Discord's
    three seconds; errors go through :func:`answer_error`.
    """

    def __init__(self, *, title: str, label: str, custom_id: str) -> None:
        super().__init__(title=title, custom_id=custom_id, timeout=900)
        self.text: discord.ui.TextInput[TextModal] = discord.ui.TextInput(
            label=label,
            style=discord.TextStyle.paragraph,
            custom_id="text",
            min_length=3,
            max_length=500,
        )
        self.add_item(self.text)

    async def on_text(self, interaction: discord.Interaction, text: str) -> None:
        raise NotImplementedError

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.on_text(interaction, self.text.value)

    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:
        await answer_error(interaction, error, f"modal {self.custom_id}")


# The base class is never registered: its template matches no custom_id at all.
_NO_CUSTOM_ID = r"(?!)"


class PersistentButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=_NO_CUSTOM_ID
):
    """Base of the buttons that keep working after a restart: their state is their custom_id.

    Subclasses pass their own ``template``, rebuild themselves from its match in
    ``from_custom_id``, implement :meth:`press`, and are registered with
    ``bot.add_dynamic_items`` when their cog loads.

    discord.py (2.7) dispatches a dynamic item through a throwaway ``View`` built from the
    message and only logs what its callback raises (``ViewStore.schedule_dynamic_item_call``
    never calls ``View.on_error``), so errors are caught here and answered through
    :func:`answer_error`, like those of commands.
    """

    async def press(self, interaction: discord.Interaction) -> None:
        raise NotImplementedError

    async def callback(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        try:
            await self.press(interaction)
        except Exception as error:
            await answer_error(interaction, error, f"button {self.custom_id}")


class DecisionButton(PersistentButton, template=_NO_CUSTOM_ID):
    """Approve or Reject on a review card (an application's, a post's, a site's): its
    custom_id is ``cb:<prefix>:<action>:<id>``, its label ``<area>.button_<action>``.

    Subclasses name both in their class arguments (``prefix="site", area="sites"``) and
    implement :meth:`press` with ``self.action`` and ``self.subject_id``.
    """

    prefix: str
    area: str

    def __init_subclass__(cls, *, prefix: str, area: str) -> None:
        super().__init_subclass__(
            template=rf"cb:{prefix}:(?P<action>approve|reject):(?P<id>[0-9]{{1,20}})"
        )
        cls.prefix = prefix
        cls.area = area

    def __init__(self, action: str, subject_id: int, language: str) -> None:
        approve = action == "approve"
        super().__init__(
            discord.ui.Button(
                label=render(f"{self.area}.button_{action}", language),
                style=discord.ButtonStyle.success if approve else discord.ButtonStyle.danger,
                custom_id=f"cb:{self.prefix}:{action}:{subject_id}",
            )
        )
        self.action = action
        self.subject_id = subject_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: Any, /
    ) -> DecisionButton:
        return cls(match["action"], int(match["id"]), lang(interaction))
