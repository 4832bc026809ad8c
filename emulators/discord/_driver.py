"""The interaction driver: builds INTERACTION_CREATE payloads from test calls (commands,
autocomplete, buttons, selects, modal submissions) and dispatches them on the gateway."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ._constants import ChannelType, InteractionType, Perm
from ._errors import EmulatorError, EmulatorTimeout
from ._interactions import Interaction
from ._modals import modal_components
from ._options import command_data, find_command, resolve_channel, resolve_user

if TYPE_CHECKING:
    from ._emulator import DiscordEmulator
    from ._records import Message
    from ._state import Channel, Guild

log = logging.getLogger(__name__)

__all__ = ["InteractionDriver"]

_DM_APP_PERMISSIONS = (
    Perm.VIEW_CHANNEL
    | Perm.SEND_MESSAGES
    | Perm.EMBED_LINKS
    | Perm.ATTACH_FILES
    | Perm.READ_MESSAGE_HISTORY
    | Perm.ADD_REACTIONS
    | Perm.USE_EXTERNAL_EMOJIS
    | Perm.USE_APPLICATION_COMMANDS
)


class InteractionDriver:
    """Builds interaction payloads from test calls and dispatches them on the gateway."""

    def __init__(self, emu: DiscordEmulator) -> None:
        self.emu = emu
        self.by_id: dict[int, Interaction] = {}
        self.by_token: dict[str, Interaction] = {}

    # ------------------------------------------------------------------ context
    def _context(
        self, user_id: int, guild_id: int | None, channel_id: int | None, dm: bool
    ) -> tuple[Guild | None, Channel]:
        emu = self.emu
        emu.user(user_id)  # raises for unknown users
        if dm:
            return None, emu._dm_channel(user_id)
        if guild_id is None:
            if channel_id is not None:
                channel = emu.channel(channel_id)
                if channel.type == ChannelType.DM:
                    return None, channel
                guild_id = channel.guild_id
            else:
                raise EmulatorError(
                    "pass guild_id=... (or dm=True) to say where the interaction happens"
                )
        guild = emu.guild(int(guild_id))  # type: ignore[arg-type]
        if user_id not in guild.members:
            raise EmulatorError(f"user {user_id} is not a member of {guild.name}")
        if channel_id is None:
            channel = next(
                (c for c in guild.channels.values() if c.type == ChannelType.GUILD_TEXT), None
            )
            if channel is None:
                raise EmulatorError(f"{guild.name} has no text channel to invoke from")
        else:
            channel = guild.channels.get(int(channel_id))  # type: ignore[assignment]
            if channel is None:
                raise EmulatorError(f"channel {channel_id} is not in {guild.name}")
        if not guild.permissions_for(user_id, channel.id) & Perm.VIEW_CHANNEL:
            raise EmulatorError(f"user {user_id} cannot see #{channel.name}")
        return guild, channel

    def _base_payload(
        self,
        kind: int,
        data: dict[str, Any],
        user_id: int,
        guild: Guild | None,
        channel: Channel,
        locale: str | None,
        message: Message | None = None,
    ) -> Interaction:
        emu = self.emu
        user = emu.user(user_id)
        interaction_id = emu._snowflakes.next()
        token = "aW50ZXJhY3Rpb246" + secrets.token_urlsafe(48)
        channel_payload = channel.to_payload()
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(emu.application_id),
            "type": kind,
            "data": data,
            "token": token,
            "version": 1,
            "locale": locale or user.locale,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": emu.attachment_size_limit,
            "channel_id": str(channel.id),
        }
        if guild is not None:
            member_perms = guild.permissions_for(user_id, channel.id)
            member = guild.members[user_id].to_payload()
            member["permissions"] = str(member_perms)
            channel_payload["permissions"] = str(member_perms)
            payload.update(
                {
                    "guild_id": str(guild.id),
                    "guild": guild.partial_payload(),
                    "guild_locale": guild.preferred_locale,
                    "member": member,
                    "app_permissions": str(guild.permissions_for(emu.bot_user.id, channel.id)),
                    "authorizing_integration_owners": {"0": str(guild.id)},
                    "context": 0,
                }
            )
        else:
            payload.update(
                {
                    "user": user.to_payload(),
                    "app_permissions": str(_DM_APP_PERMISSIONS),
                    "authorizing_integration_owners": {"0": "0"},
                    "context": 1,
                }
            )
        payload["channel"] = channel_payload
        if message is not None:
            payload["message"] = emu._message_payload(message)
        it = Interaction(
            emu,
            interaction_id=interaction_id,
            token=token,
            kind=kind,
            user_id=user_id,
            guild_id=guild.id if guild else None,
            channel_id=channel.id,
            payload=payload,
            source_message=message,
            name=data.get("name") or data.get("custom_id"),
        )
        self.by_id[it.id] = it
        self.by_token[token] = it
        return it

    async def _dispatch(self, it: Interaction, wait: bool, timeout: float) -> Interaction:  # noqa: ASYNC109 - public API takes a timeout
        emu = self.emu
        if not emu._gateway.live_sessions():
            raise EmulatorError("no gateway client is connected; start the bot first")
        it.created_at = emu.clock.monotonic()
        emu._gateway.dispatch("INTERACTION_CREATE", it.payload)
        await emu._gateway.flush()
        log.debug("emulator: dispatched %r", it)
        if wait:
            await it.wait_response(timeout)
        return it

    # ------------------------------------------------------------------ commands
    async def invoke(
        self,
        user_id: int,
        command: str,
        options: dict[str, Any] | None,
        *,
        guild_id: int | None,
        channel_id: int | None,
        dm: bool,
        locale: str | None,
        wait: bool,
        timeout: float,  # noqa: ASYNC109 - public API takes a timeout
    ) -> Interaction:
        guild, channel = self._context(user_id, guild_id, channel_id, dm)
        found, path = find_command(self.emu, command, guild, user_id)
        data = command_data(self.emu, found, path, dict(options or {}), guild, user_id, channel)
        it = self._base_payload(
            InteractionType.APPLICATION_COMMAND, data, user_id, guild, channel, locale
        )
        it.name = " ".join([found["name"], *path])
        return await self._dispatch(it, wait, timeout)

    async def autocomplete(
        self,
        user_id: int,
        command: str,
        options: dict[str, Any] | None,
        focused: str,
        *,
        guild_id: int | None,
        channel_id: int | None,
        dm: bool,
        locale: str | None,
        timeout: float,  # noqa: ASYNC109 - public API takes a timeout
    ) -> list[dict[str, Any]]:
        guild, channel = self._context(user_id, guild_id, channel_id, dm)
        found, path = find_command(self.emu, command, guild, user_id)
        opts = dict(options or {})
        opts.setdefault(focused, "")
        data = command_data(self.emu, found, path, opts, guild, user_id, channel, focused=focused)
        it = self._base_payload(InteractionType.AUTOCOMPLETE, data, user_id, guild, channel, locale)
        await self._dispatch(it, True, timeout)
        if it.choices is None:
            raise EmulatorTimeout(
                f"the bot did not answer autocomplete for {focused!r} of /{command} "
                f"(response_type={it.response_type}, error={it.error})"
            )
        return it.choices

    # ---------------------------------------------------------------- components
    def _component_context(
        self, message: Message | int, user_id: int | None, dm: bool | None = None
    ) -> tuple[Message, int, Guild | None, Channel]:
        emu = self.emu
        msg = emu.get_message(message)  # always the current stored state
        if msg.deleted:
            raise EmulatorError(f"message {msg.id} was deleted")
        channel = emu.channel(msg.channel_id)
        guild = emu.guild(channel.guild_id) if channel.guild_id else None
        _check_dm_flag(dm, guild)
        owner = None
        if msg.interaction_id is not None and msg.interaction_id in self.by_id:
            owner = self.by_id[msg.interaction_id].user_id
        elif channel.type == ChannelType.DM:
            owner = channel.recipient_id
        if user_id is None:
            if owner is None:
                raise EmulatorError("pass user_id=... (who clicks?)")
            user_id = owner
        if msg.ephemeral and owner is not None and owner != user_id:
            raise EmulatorError("only the user who received an ephemeral message can use it")
        if channel.type == ChannelType.DM and user_id != channel.recipient_id:
            raise EmulatorError(f"user {user_id} cannot see a DM sent to {channel.recipient_id}")
        if guild is not None:
            if user_id not in guild.members:
                raise EmulatorError(f"user {user_id} is not a member of {guild.name}")
            if not guild.permissions_for(user_id, channel.id) & Perm.VIEW_CHANNEL:
                raise EmulatorError(f"user {user_id} cannot see #{channel.name}")
        return msg, user_id, guild, channel

    async def click(
        self,
        message: Message | int,
        *,
        label: str | None,
        custom_id: str | None,
        user_id: int | None,
        locale: str | None,
        dm: bool | None,
        wait: bool,
        timeout: float,  # noqa: ASYNC109 - public API takes a timeout
    ) -> Interaction:
        msg, user_id, guild, channel = self._component_context(message, user_id, dm)
        if label is None and custom_id is None:
            raise EmulatorError("pass label=... or custom_id=... to choose a button")
        buttons = msg.buttons
        button = next(
            (
                b
                for b in buttons
                if (label is None or b.get("label") == label)
                and (custom_id is None or b.get("custom_id") == custom_id)
            ),
            None,
        )
        if button is None:
            raise EmulatorError(
                f"no button {label or custom_id!r} on message {msg.id}; buttons: "
                f"{[b.get('label') or b.get('custom_id') for b in buttons]}"
            )
        if button.get("disabled"):
            raise EmulatorError(f"button {label or custom_id!r} is disabled")
        if button.get("style") == 5 or not button.get("custom_id"):
            raise EmulatorError(
                f"button {label or custom_id!r} is a link button; clicking opens a URL"
            )
        data: dict[str, Any] = {"custom_id": button["custom_id"], "component_type": 2}
        if "id" in button:
            data["id"] = button["id"]
        it = self._base_payload(
            InteractionType.MESSAGE_COMPONENT, data, user_id, guild, channel, locale, message=msg
        )
        return await self._dispatch(it, wait, timeout)

    async def select(
        self,
        message: Message | int,
        *,
        custom_id: str,
        values: Sequence[Any],
        user_id: int | None,
        locale: str | None,
        dm: bool | None,
        wait: bool,
        timeout: float,  # noqa: ASYNC109 - public API takes a timeout
    ) -> Interaction:
        msg, user_id, guild, channel = self._component_context(message, user_id, dm)
        selects = [c for c in msg.iter_components() if c.get("type") in (3, 5, 6, 7, 8)]
        menu = next((s for s in selects if s.get("custom_id") == custom_id), None)
        if menu is None:
            raise EmulatorError(
                f"no select {custom_id!r} on message {msg.id}; "
                f"selects: {[s.get('custom_id') for s in selects]}"
            )
        if menu.get("disabled"):
            raise EmulatorError(f"select {custom_id!r} is disabled")
        chosen = [str(getattr(v, "id", v)) for v in values]
        low, high = menu.get("min_values", 1), menu.get("max_values", 1)
        if not low <= len(chosen) <= high:
            raise EmulatorError(
                f"select {custom_id!r} takes {low}..{high} values, got {len(chosen)}"
            )
        data: dict[str, Any] = {
            "custom_id": custom_id,
            "component_type": menu["type"],
            "values": chosen,
        }
        if menu["type"] == 3:
            allowed = [o["value"] for o in menu.get("options", [])]
            bad = [v for v in chosen if v not in allowed]
            if bad:
                raise EmulatorError(
                    f"select {custom_id!r} has no option(s) {bad}; options: {allowed}"
                )
        else:
            resolved: dict[str, dict[str, Any]] = {}
            for value in chosen:
                target = int(value)
                if menu["type"] in (5, 7) and target in self.emu._users:
                    resolve_user(self.emu, target, guild, resolved, f"select {custom_id!r}")
                elif menu["type"] in (6, 7):
                    role = guild.roles.get(target) if guild else None
                    if role is None:
                        raise EmulatorError(f"select {custom_id!r}: unknown role {target}")
                    resolved.setdefault("roles", {})[value] = role.to_payload()
                elif menu["type"] == 8:
                    resolve_channel(menu, target, guild, user_id, resolved, f"select {custom_id!r}")
                else:
                    raise EmulatorError(f"select {custom_id!r}: unknown user {target}")
            data["resolved"] = resolved
        it = self._base_payload(
            InteractionType.MESSAGE_COMPONENT, data, user_id, guild, channel, locale, message=msg
        )
        return await self._dispatch(it, wait, timeout)

    # --------------------------------------------------------------------- modal
    async def submit_modal(
        self,
        opened_by: Interaction,
        values: dict[str, Any],
        *,
        user_id: int | None,
        locale: str | None,
        dm: bool | None,
        wait: bool,
        timeout: float,  # noqa: ASYNC109 - public API takes a timeout
    ) -> Interaction:
        modal = opened_by.modal
        if modal is None:
            raise EmulatorError(
                f"{opened_by!r} did not open a modal (response_type={opened_by.response_type})"
            )
        components = modal_components(modal, values)
        user_id = user_id if user_id is not None else opened_by.user_id
        channel = self.emu.channel(opened_by.channel_id)
        guild = self.emu.guild(opened_by.guild_id) if opened_by.guild_id else None
        _check_dm_flag(dm, guild)
        data = {"custom_id": modal["custom_id"], "components": components}
        it = self._base_payload(
            InteractionType.MODAL_SUBMIT,
            data,
            user_id,
            guild,
            channel,
            locale,
            message=opened_by.source_message,
        )
        return await self._dispatch(it, wait, timeout)


def _check_dm_flag(dm: bool | None, guild: Guild | None) -> None:
    """``dm=`` on component/modal calls must agree with where the message lives."""
    if dm is True and guild is not None:
        raise EmulatorError("dm=True, but the message is in a guild channel")
    if dm is False and guild is None:
        raise EmulatorError("dm=False, but the message is in a DM channel")
