"""Interactions: the record tests inspect and the driver building INTERACTION_CREATE payloads."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from ._commands import resolve_command_path
from ._constants import (
    INTERACTION_ACK_DEADLINE,
    INTERACTION_TOKEN_LIFETIME,
    ChannelType,
    InteractionType,
    MessageFlag,
    OptionType,
    Perm,
)
from ._errors import EmulatorError, EmulatorTimeout
from ._records import Attachment, Message

if TYPE_CHECKING:
    from ._emulator import DiscordEmulator
    from ._state import Channel, Guild

log = logging.getLogger(__name__)

__all__ = ["Interaction", "InteractionDriver"]

_GRACE_AFTER_DEADLINE = 0.5
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
_OPTION_TYPE_NAMES = {
    3: "string",
    4: "integer",
    5: "boolean",
    6: "user",
    7: "channel",
    8: "role",
    9: "mentionable",
    10: "number",
    11: "attachment",
}


class Interaction:
    """Everything that happened to one interaction the emulator dispatched.

    Attributes set by the bot's answers: ``response_type`` (4, 5, 6, 7, 8 or 9;
    ``None`` if unanswered), ``response`` (the callback ``data``), ``message``
    (the original response message; for 6/7 the component's message),
    ``followups``, ``modal`` (for type 9), ``choices`` (for type 8) and
    ``error`` (``"deadline"`` when the bot answered after 3 s,
    ``"no_response"`` when nothing arrived before the deadline passed).
    """

    def __init__(
        self,
        emu: DiscordEmulator,
        *,
        interaction_id: int,
        token: str,
        kind: int,
        user_id: int,
        guild_id: int | None,
        channel_id: int,
        payload: dict[str, Any],
        source_message: Message | None = None,
        name: str | None = None,
    ) -> None:
        self._emu = emu
        self.id = interaction_id
        self.token = token
        self.type = kind
        self.user_id = user_id
        self.guild_id = guild_id
        self.channel_id = channel_id
        self.payload = payload
        self.name = name
        self.source_message = source_message
        self.created_at = emu.clock.monotonic()
        self.response_type: int | None = None
        self.response: dict[str, Any] | None = None
        self.error: str | None = None
        self.message: Message | None = None
        self.followups: list[Message] = []
        self.modal: dict[str, Any] | None = None
        self.choices: list[dict[str, Any]] | None = None
        self._settled = asyncio.Event()
        self._changed = asyncio.Event()

    def __repr__(self) -> str:
        return (
            f"<Interaction id={self.id} type={self.type} name={self.name!r} "
            f"response_type={self.response_type} error={self.error!r}>"
        )

    # ------------------------------------------------------------- convenience
    @property
    def answered(self) -> bool:
        return self.response_type is not None

    @property
    def ephemeral(self) -> bool:
        """Whether the original response is ephemeral (flags & 64)."""
        if self.message is not None and self.response_type in (4, 5):
            return self.message.ephemeral
        return bool(((self.response or {}).get("flags") or 0) & MessageFlag.EPHEMERAL)

    @property
    def content(self) -> str | None:
        return self.message.content if self.message is not None else None

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return self.message.embeds if self.message is not None else []

    @property
    def components(self) -> list[dict[str, Any]]:
        return self.message.components if self.message is not None else []

    @property
    def attachments(self) -> list[Attachment]:
        return self.message.attachments if self.message is not None else []

    def ack_deadline_passed(self) -> bool:
        return self._emu.clock.monotonic() - self.created_at > INTERACTION_ACK_DEADLINE

    def token_expired(self) -> bool:
        return self._emu.clock.monotonic() - self.created_at > INTERACTION_TOKEN_LIFETIME

    # ------------------------------------------------------------------ waiting
    def _notify(self, *, settled: bool = False) -> None:
        if settled:
            self._settled.set()
        self._changed.set()

    async def wait_response(self, timeout: float = 5.0) -> Interaction:  # noqa: ASYNC109 - public API takes a timeout
        """Wait until the bot answered the callback (or the 3 s deadline passed); return self.

        Never raises: inspect ``response_type`` / ``error`` afterwards.
        """
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        overdue_since: float | None = None
        while not self._settled.is_set():
            now = loop.time()
            if now >= end:
                break
            if self.ack_deadline_passed():
                overdue_since = overdue_since if overdue_since is not None else now
                if now - overdue_since >= _GRACE_AFTER_DEADLINE:
                    break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._settled.wait(), min(0.05, end - now))
        if self.response_type is None and self.error is None and self.ack_deadline_passed():
            self.error = "no_response"
        return self

    async def wait_until(
        self,
        predicate: Callable[[Interaction], bool],
        timeout: float = 5.0,  # noqa: ASYNC109 - public API takes a timeout
    ) -> Interaction:
        """Wait until ``predicate(self)`` is true (re-checked on each callback, followup, edit)."""
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while not predicate(self):
            remaining = end - loop.time()
            if remaining <= 0:
                raise EmulatorTimeout(f"condition not met within {timeout}s for {self!r}")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)
        return self

    async def wait_followups(self, n: int = 1, timeout: float = 5.0) -> list[Message]:  # noqa: ASYNC109 - public API takes a timeout
        """Wait until the bot sent at least ``n`` followups; return them (raises on timeout)."""
        try:
            await self.wait_until(lambda it: len(it.followups) >= n, timeout)
        except EmulatorTimeout:
            raise EmulatorTimeout(
                f"expected {n} followup(s) for {self!r}, "
                f"got {len(self.followups)} within {timeout}s"
            ) from None
        return list(self.followups)


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
    def _find_command(
        self, command: str, guild: Guild | None, user_id: int
    ) -> tuple[dict[str, Any], list[str]]:
        parts = command.strip().lstrip("/").split()
        if not parts:
            raise EmulatorError("empty command name")
        registry = self.emu._commands
        found = registry.find(parts[0], guild.id if guild else None)
        if found is None:
            raise EmulatorError(
                f"/{parts[0]} is not registered "
                f"(registered: {registry.names(guild.id if guild else None)}); "
                "did the bot sync its tree?"
            )
        contexts = found.get("contexts")
        if guild is None:
            if "guild_id" in found:
                raise EmulatorError(f"/{parts[0]} is a guild command and cannot be used in DMs")
            allowed_dm = 1 in contexts if contexts is not None else found.get("dm_permission", True)
            if not allowed_dm:
                raise EmulatorError(f"/{parts[0]} is not available in DMs with the bot")
        else:
            if contexts is not None and 0 not in contexts:
                raise EmulatorError(f"/{parts[0]} is not available in guilds")
            required = found.get("default_member_permissions")
            if required is not None and self.emu.enforce_command_permissions:
                perms = guild.base_permissions(user_id)
                needed = int(required)
                member = guild.members.get(user_id)
                holders = {user_id, guild.id, *(member.roles if member else [])}
                granted = holders & self.emu.command_grants.get((guild.id, parts[0]), set())
                if perms != Perm.ALL and not granted and (needed == 0 or perms & needed != needed):
                    raise EmulatorError(
                        f"/{parts[0]} is hidden from user {user_id}: it requires permissions "
                        f"{needed} (default_member_permissions) and the member has {perms}"
                    )
        return found, parts[1:]

    def _command_data(
        self,
        found: dict[str, Any],
        path: list[str],
        options: dict[str, Any],
        guild: Guild | None,
        user_id: int,
        channel: Channel,
        *,
        focused: str | None = None,
    ) -> dict[str, Any]:
        nesting, schemas = resolve_command_path(found, path)
        by_name = {s["name"]: s for s in schemas}
        # Discord never sends an option the user left empty; treat None as "not given".
        options = {k: v for k, v in options.items() if v is not None}
        full = " ".join([found["name"], *path])
        resolved: dict[str, dict[str, Any]] = {}
        values: list[dict[str, Any]] = []
        for name in options:
            if name not in by_name:
                raise EmulatorError(f"/{full} has no option {name!r} (options: {sorted(by_name)})")
        if focused is not None:
            if focused not in by_name:
                raise EmulatorError(f"/{full} has no option {focused!r} to focus")
            if not by_name[focused].get("autocomplete"):
                raise EmulatorError(f"option {focused!r} of /{full} does not use autocomplete")
        for schema in schemas:
            name = schema["name"]
            if name not in options:
                if schema.get("required") and focused is None:
                    raise EmulatorError(f"/{full} requires option {name!r}")
                continue
            if name == focused:
                raw = options[name]
                if not isinstance(raw, str | int | float) or isinstance(raw, bool):
                    raise EmulatorError(f"focused option {name!r} must be the typed text")
                values.append({"name": name, "type": schema["type"], "value": raw, "focused": True})
                continue
            value = self._option_value(
                schema, options[name], guild, user_id, channel, resolved, full
            )
            values.append({"name": name, "type": schema["type"], "value": value})
        for sub in reversed(nesting):
            values = [{"name": sub["name"], "type": sub["type"], "options": values}]
        data: dict[str, Any] = {
            "id": found["id"],
            "name": found["name"],
            "type": found["type"],
            "options": values,
        }
        if "guild_id" in found:
            data["guild_id"] = found["guild_id"]
        if resolved:
            data["resolved"] = resolved
        return data

    def _option_value(
        self,
        schema: dict[str, Any],
        value: Any,
        guild: Guild | None,
        user_id: int,
        channel: Channel,
        resolved: dict[str, dict[str, Any]],
        full: str,
    ) -> Any:
        kind = schema["type"]
        name = schema["name"]
        label = f"option {name!r} of /{full} ({_OPTION_TYPE_NAMES.get(kind, kind)})"
        if kind == OptionType.STRING:
            if not isinstance(value, str):
                raise EmulatorError(f"{label} needs a str, got {value!r}")
            if schema.get("min_length") is not None and len(value) < schema["min_length"]:
                raise EmulatorError(f"{label} must be at least {schema['min_length']} characters")
            if schema.get("max_length") is not None and len(value) > schema["max_length"]:
                raise EmulatorError(f"{label} must be at most {schema['max_length']} characters")
            self._check_choice(schema, value, label)
            return value
        if kind in (OptionType.INTEGER, OptionType.NUMBER):
            ok = (
                isinstance(value, int)
                if kind == OptionType.INTEGER
                else isinstance(value, int | float)
            )
            if not ok or isinstance(value, bool):
                raise EmulatorError(f"{label} needs a number, got {value!r}")
            if schema.get("min_value") is not None and value < schema["min_value"]:
                raise EmulatorError(f"{label} must be >= {schema['min_value']}")
            if schema.get("max_value") is not None and value > schema["max_value"]:
                raise EmulatorError(f"{label} must be <= {schema['max_value']}")
            self._check_choice(schema, value, label)
            return value
        if kind == OptionType.BOOLEAN:
            if not isinstance(value, bool):
                raise EmulatorError(f"{label} needs a bool, got {value!r}")
            return value
        if kind == OptionType.ATTACHMENT:
            attachment = self._attachment(value, label)
            resolved.setdefault("attachments", {})[str(attachment.id)] = attachment.to_payload()
            return str(attachment.id)
        target = int(getattr(value, "id", value)) if not isinstance(value, bool) else None
        if target is None:
            raise EmulatorError(f"{label} needs an id, got {value!r}")
        if kind == OptionType.USER or (
            kind == OptionType.MENTIONABLE and target in self.emu._users
        ):
            self._resolve_user(target, guild, resolved, label)
        elif kind == OptionType.ROLE or kind == OptionType.MENTIONABLE:
            role = guild.roles.get(target) if guild else None
            if role is None:
                raise EmulatorError(f"{label}: no role {target} in this guild")
            resolved.setdefault("roles", {})[str(target)] = role.to_payload()
        elif kind == OptionType.CHANNEL:
            self._resolve_channel(schema, target, guild, user_id, resolved, label)
        return str(target)

    @staticmethod
    def _check_choice(schema: dict[str, Any], value: Any, label: str) -> None:
        choices = schema.get("choices")
        if choices and value not in [c["value"] for c in choices]:
            raise EmulatorError(
                f"{label} must be one of {[c['value'] for c in choices]}, got {value!r}"
            )

    def _attachment(self, value: Any, label: str) -> Attachment:
        if isinstance(value, Attachment):
            attachment = Attachment(
                value.filename, value.content, value.content_type, description=value.description
            )
        elif isinstance(value, tuple) and len(value) == 2:
            attachment = Attachment(str(value[0]), bytes(value[1]))
        else:
            raise EmulatorError(
                f"{label} needs an Attachment(filename, content) or (filename, bytes)"
            )
        if attachment.size > self.emu.attachment_size_limit:
            raise EmulatorError(f"{label}: file is larger than the attachment size limit")
        attachment.ephemeral = True
        return self.emu._store_attachment(attachment, channel_id=0)

    def _resolve_user(
        self, target: int, guild: Guild | None, resolved: dict[str, dict[str, Any]], label: str
    ) -> None:
        if target not in self.emu._users:
            raise EmulatorError(f"{label}: unknown user {target}")
        resolved.setdefault("users", {})[str(target)] = self.emu.user(target).to_payload()
        member = guild.members.get(target) if guild else None
        if member is not None:
            payload = member.to_payload(with_user=False)
            payload["permissions"] = str(guild.base_permissions(target))  # type: ignore[union-attr]
            resolved.setdefault("members", {})[str(target)] = payload

    def _resolve_channel(
        self,
        schema: dict[str, Any],
        target: int,
        guild: Guild | None,
        user_id: int,
        resolved: dict[str, dict[str, Any]],
        label: str,
    ) -> None:
        channel = guild.channels.get(target) if guild else None
        if channel is None:
            raise EmulatorError(f"{label}: no channel {target} in this guild")
        allowed = schema.get("channel_types")
        if allowed and channel.type not in allowed:
            raise EmulatorError(f"{label}: channel type {channel.type} not in {allowed}")
        resolved.setdefault("channels", {})[str(target)] = {
            "id": str(channel.id),
            "name": channel.name,
            "type": channel.type,
            "permissions": str(guild.permissions_for(user_id, channel.id)),  # type: ignore[union-attr]
            "parent_id": str(channel.parent_id) if channel.parent_id else None,
            "topic": channel.topic,
            "position": channel.position,
            "nsfw": False,
            "flags": 0,
            "rate_limit_per_user": 0,
            "last_message_id": None,
        }

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
        found, path = self._find_command(command, guild, user_id)
        data = self._command_data(found, path, dict(options or {}), guild, user_id, channel)
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
        found, path = self._find_command(command, guild, user_id)
        opts = dict(options or {})
        opts.setdefault(focused, "")
        data = self._command_data(found, path, opts, guild, user_id, channel, focused=focused)
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
                    self._resolve_user(target, guild, resolved, f"select {custom_id!r}")
                elif menu["type"] in (6, 7):
                    role = guild.roles.get(target) if guild else None
                    if role is None:
                        raise EmulatorError(f"select {custom_id!r}: unknown role {target}")
                    resolved.setdefault("roles", {})[value] = role.to_payload()
                elif menu["type"] == 8:
                    self._resolve_channel(
                        menu, target, guild, user_id, resolved, f"select {custom_id!r}"
                    )
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
        remaining = dict(values)
        components: list[dict[str, Any]] = []
        for comp in modal["components"]:
            if comp.get("type") == 1:
                inner = comp["components"][0]
                submitted = self._modal_value(inner, inner.get("label"), remaining)
                components.append({"type": 1, "components": [submitted]})
            elif comp.get("type") == 18:
                inner = comp["component"]
                submitted = self._modal_value(inner, comp.get("label"), remaining)
                components.append({"type": 18, "id": comp.get("id", 0), "component": submitted})
            elif comp.get("type") == 10:
                components.append({"type": 10, "id": comp.get("id", 0)})
        if remaining:
            raise EmulatorError(f"modal {modal['title']!r} has no input(s) {sorted(remaining)}")
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

    @staticmethod
    def _modal_value(
        inner: dict[str, Any], label: str | None, remaining: dict[str, Any]
    ) -> dict[str, Any]:
        custom_id = inner["custom_id"]
        keys = [k for k in (custom_id, label) if k is not None and k in remaining]
        given = remaining.pop(keys[0]) if keys else None
        for key in keys[1:]:
            remaining.pop(key, None)
        name = label or custom_id
        if inner.get("type") == 4:
            text = "" if given is None else str(given)
            if not text and inner.get("value"):
                text = inner["value"]
            if inner.get("required", True) and not text:
                raise EmulatorError(f"modal input {name!r} is required")
            if text:
                if inner.get("min_length") is not None and len(text) < inner["min_length"]:
                    raise EmulatorError(
                        f"modal input {name!r} needs at least {inner['min_length']} characters"
                    )
                if len(text) > inner.get("max_length", 4000):
                    raise EmulatorError(
                        f"modal input {name!r} allows at most "
                        f"{inner.get('max_length', 4000)} characters"
                    )
            return {"type": 4, "id": inner.get("id", 0), "custom_id": custom_id, "value": text}
        chosen = (
            []
            if given is None
            else [str(v) for v in (given if isinstance(given, list | tuple) else [given])]
        )
        if inner.get("required", True) and not chosen and inner.get("type") in (3, 5, 6, 7, 8):
            raise EmulatorError(f"modal input {name!r} is required")
        return {
            "type": inner.get("type"),
            "id": inner.get("id", 0),
            "custom_id": custom_id,
            "values": chosen,
        }


def _check_dm_flag(dm: bool | None, guild: Guild | None) -> None:
    """``dm=`` on component/modal calls must agree with where the message lives."""
    if dm is True and guild is not None:
        raise EmulatorError("dm=True, but the message is in a guild channel")
    if dm is False and guild is None:
        raise EmulatorError("dm=False, but the message is in a DM channel")
