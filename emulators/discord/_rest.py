"""Core REST routes: gateway info, users, application commands, channels, messages, guilds."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from ._constants import ChannelType, Perm
from ._errors import ApiError, FormErrors, form_error
from ._http import Reply, RequestContext
from ._limits import validate_message
from ._state import Guild, Member, Role

if TYPE_CHECKING:
    from ._emulator import DiscordEmulator
    from ._http import Router
    from ._records import Message
    from ._state import Channel

log = logging.getLogger(__name__)

__all__ = ["register_core_routes"]

_MISSING_PERMISSIONS = (403, 50013, "Missing Permissions")


def register_core_routes(router: Router, emu: DiscordEmulator) -> None:
    """Add every bot-token route to ``router``."""
    r = _CoreRoutes(emu)
    add = router.add
    add("GET", "/gateway", r.gateway, auth=False)
    add("GET", "/gateway/bot", r.gateway_bot)
    add("GET", "/users/@me", r.me)
    add("GET", "/users/{user_id}", r.get_user)
    add("POST", "/users/@me/channels", r.create_dm)
    add("GET", "/oauth2/applications/@me", r.application_info)
    add("GET", "/applications/@me", r.application_info)
    for prefix in (
        "/applications/{application_id}",
        "/applications/{application_id}/guilds/{guild_id}",
    ):
        add("GET", f"{prefix}/commands", r.list_commands)
        add("PUT", f"{prefix}/commands", r.overwrite_commands)
        add("POST", f"{prefix}/commands", r.upsert_command)
        add("GET", f"{prefix}/commands/{{command_id}}", r.get_command)
        add("PATCH", f"{prefix}/commands/{{command_id}}", r.edit_command)
        add("DELETE", f"{prefix}/commands/{{command_id}}", r.delete_command)
    add("GET", "/channels/{channel_id}", r.get_channel)
    add("POST", "/channels/{channel_id}/typing", r.typing)
    add("GET", "/channels/{channel_id}/messages", r.list_messages)
    add("POST", "/channels/{channel_id}/messages", r.create_message)
    add("GET", "/channels/{channel_id}/messages/{message_id}", r.get_message)
    add("PATCH", "/channels/{channel_id}/messages/{message_id}", r.edit_message)
    add("DELETE", "/channels/{channel_id}/messages/{message_id}", r.delete_message)
    add("GET", "/guilds/{guild_id}", r.get_guild)
    add("GET", "/guilds/{guild_id}/channels", r.guild_channels)
    add("GET", "/guilds/{guild_id}/roles", r.guild_roles)
    add("POST", "/guilds/{guild_id}/roles", r.create_role)
    add("GET", "/guilds/{guild_id}/members", r.list_members)
    add("GET", "/guilds/{guild_id}/members/{user_id}", r.get_member)
    add("PATCH", "/guilds/{guild_id}/members/{user_id}", r.edit_member)
    add("PUT", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", r.add_role)
    add("DELETE", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", r.remove_role)


class _CoreRoutes:
    def __init__(self, emu: DiscordEmulator) -> None:
        self.emu = emu

    # ------------------------------------------------------------------ helpers
    def _guild(self, ctx: RequestContext) -> Guild:
        guild = self.emu._guilds.get(ctx.snowflake("guild_id"))
        if guild is None:
            raise ApiError(404, 10004, "Unknown Guild")
        return guild

    def _member(self, guild: Guild, ctx: RequestContext) -> Member:
        member = guild.members.get(ctx.snowflake("user_id"))
        if member is None:
            raise ApiError(404, 10007, "Unknown Member")
        return member

    def _check_app(self, ctx: RequestContext) -> int | None:
        if ctx.params["application_id"] != str(self.emu.application_id):
            raise ApiError(404, 10002, "Unknown Application")
        if "guild_id" not in ctx.params:
            return None
        return self._guild(ctx).id

    def _channel(self, ctx: RequestContext) -> Channel:
        channel = self.emu._channels.get(ctx.snowflake("channel_id"))
        if channel is None:
            raise ApiError(404, 10003, "Unknown Channel")
        if channel.guild_id is not None:
            guild = self.emu.guild(channel.guild_id)
            if not guild.permissions_for(self.emu.bot_user.id, channel.id) & Perm.VIEW_CHANNEL:
                raise ApiError(403, 50001, "Missing Access")
        return channel

    def _require(self, guild: Guild, perm: int, channel_id: int | None = None) -> None:
        if not guild.permissions_for(self.emu.bot_user.id, channel_id) & perm:
            raise ApiError(*_MISSING_PERMISSIONS)

    def _check_manageable(self, guild: Guild, role: Role) -> None:
        """Bot needs Manage Roles and a top role above ``role``; managed roles are off limits."""
        self._require(guild, Perm.MANAGE_ROLES)
        if role.managed or role.id == guild.id:
            raise ApiError(*_MISSING_PERMISSIONS)
        if guild.top_role_position(self.emu.bot_user.id) <= role.position:
            log.warning(
                "emulator: bot's top role is not above %r (position %s); Discord refuses this",
                role.name,
                role.position,
            )
            raise ApiError(*_MISSING_PERMISSIONS)

    # -------------------------------------------------------------- gateway/users
    async def gateway(self, ctx: RequestContext) -> Reply:
        return Reply(200, {"url": self.emu.gateway_url})

    async def gateway_bot(self, ctx: RequestContext) -> Reply:
        return Reply(
            200,
            {
                "url": self.emu.gateway_url,
                "shards": 1,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 1000 - self.emu._gateway.identify_count,
                    "reset_after": 86_400_000,
                    "max_concurrency": 1,
                },
            },
        )

    async def me(self, ctx: RequestContext) -> Reply:
        payload = self.emu.bot_user.to_payload()
        payload.update(
            {"verified": True, "mfa_enabled": False, "flags": 0, "email": None, "locale": "en-US"}
        )
        return Reply(200, payload)

    async def get_user(self, ctx: RequestContext) -> Reply:
        user = self.emu._users.get(ctx.snowflake("user_id"))
        if user is None:
            raise ApiError(404, 10013, "Unknown User")
        return Reply(200, user.to_payload())

    async def create_dm(self, ctx: RequestContext) -> Reply:
        payload = await ctx.json() or {}
        recipient = payload.get("recipient_id")
        if recipient is None or not str(recipient).isdigit():
            raise form_error(("recipient_id",), "BASE_TYPE_REQUIRED", "This field is required")
        user_id = int(recipient)
        if user_id not in self.emu._users:
            raise form_error(("recipient_id",), "USER_NOT_FOUND", "Unknown user", violation=None)
        return Reply(200, self.emu._dm_channel(user_id).to_payload())

    async def application_info(self, ctx: RequestContext) -> Reply:
        emu = self.emu
        owner = emu._users.get(emu.app_owner_id) or emu.bot_user
        return Reply(
            200,
            {
                "id": str(emu.application_id),
                "name": emu.bot_user.name,
                "icon": None,
                "description": "Emulated application",
                "summary": "",
                "type": None,
                "bot_public": True,
                "bot_require_code_grant": False,
                "verify_key": "0" * 64,
                "owner": owner.to_payload(),
                "team": None,
                "flags": emu.application_flags,
                "bot": emu.bot_user.to_payload(),
                "interactions_endpoint_url": None,
                "redirect_uris": [],
                "tags": [],
                "approximate_guild_count": len(emu._guilds),
            },
        )

    # ------------------------------------------------------------------ commands
    async def list_commands(self, ctx: RequestContext) -> Reply:
        return Reply(200, self.emu._commands.list(self._check_app(ctx)))

    async def overwrite_commands(self, ctx: RequestContext) -> Reply:
        guild_id = self._check_app(ctx)
        commands = self.emu._commands.overwrite(await ctx.json(), guild_id)
        log.info("emulator: %d command(s) registered (%s)", len(commands), guild_id or "global")
        return Reply(200, commands)

    async def upsert_command(self, ctx: RequestContext) -> Reply:
        command, created = self.emu._commands.upsert(await ctx.json(), self._check_app(ctx))
        return Reply(201 if created else 200, command)

    async def get_command(self, ctx: RequestContext) -> Reply:
        guild_id = self._check_app(ctx)
        return Reply(200, dict(self.emu._commands.get(ctx.snowflake("command_id"), guild_id)))

    async def edit_command(self, ctx: RequestContext) -> Reply:
        guild_id = self._check_app(ctx)
        return Reply(
            200,
            self.emu._commands.edit(ctx.snowflake("command_id"), await ctx.json() or {}, guild_id),
        )

    async def delete_command(self, ctx: RequestContext) -> Reply:
        guild_id = self._check_app(ctx)
        self.emu._commands.delete(ctx.snowflake("command_id"), guild_id)
        return Reply.empty()

    # ------------------------------------------------------------------ channels
    async def get_channel(self, ctx: RequestContext) -> Reply:
        return Reply(200, self._channel(ctx).to_payload())

    async def typing(self, ctx: RequestContext) -> Reply:
        self._channel(ctx)
        return Reply.empty()

    async def list_messages(self, ctx: RequestContext) -> Reply:
        channel = self._channel(ctx)
        messages = [
            m
            for m in self.emu._channel_messages.get(channel.id, [])
            if not m.deleted and not m.ephemeral
        ]
        if "before" in ctx.query:
            messages = [m for m in messages if m.id < int(ctx.query["before"])]
        if "after" in ctx.query:
            messages = [m for m in messages if m.id > int(ctx.query["after"])]
        limit = max(1, min(100, int(ctx.query.get("limit", 50))))
        newest_first = sorted(messages, key=lambda m: m.id, reverse=True)
        if "after" in ctx.query:
            newest_first = sorted(messages, key=lambda m: m.id)[:limit][::-1]
        return Reply(200, [self.emu._message_payload(m) for m in newest_first[:limit]])

    async def create_message(self, ctx: RequestContext) -> Reply:
        emu = self.emu
        channel = self._channel(ctx)
        payload, files = await ctx.body()
        payload = payload or {}
        if channel.type == ChannelType.DM:
            assert channel.recipient_id is not None
            if not emu._can_dm(channel.recipient_id):
                raise ApiError(403, 50007, "Cannot send messages to this user")
        elif channel.guild_id is not None:
            guild = emu.guild(channel.guild_id)
            self._require(guild, Perm.SEND_MESSAGES, channel.id)
            if files:
                self._require(guild, Perm.ATTACH_FILES, channel.id)
        validate_message(payload, n_files=len(files))
        reference = payload.get("message_reference")
        if reference and reference.get("message_id") and reference.get("fail_if_not_exists", True):
            target = emu._messages.get(int(reference["message_id"]))
            if target is None or target.deleted:
                raise form_error(
                    ("message_reference",), "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message"
                )
        message = emu._create_message(channel.id, payload, files, flags=payload.get("flags") or 0)
        return Reply(200, emu._message_payload(message))

    def _message(self, ctx: RequestContext) -> Message:
        channel = self._channel(ctx)
        message = self.emu._messages.get(ctx.snowflake("message_id"))
        if (
            message is None
            or message.channel_id != channel.id
            or message.deleted
            or message.ephemeral
        ):
            raise ApiError(404, 10008, "Unknown Message")
        return message

    async def get_message(self, ctx: RequestContext) -> Reply:
        return Reply(200, self.emu._message_payload(self._message(ctx)))

    async def edit_message(self, ctx: RequestContext) -> Reply:
        message = self._message(ctx)
        if message.author_id != self.emu.bot_user.id:
            raise ApiError(403, 50005, "Cannot edit a message authored by another user")
        payload, files = await ctx.body()
        payload = payload or {}
        self.emu._validate_edit(message, payload, files)
        self.emu._edit_message(message, payload, files)
        return Reply(200, self.emu._message_payload(message))

    async def delete_message(self, ctx: RequestContext) -> Reply:
        message = self._message(ctx)
        if message.author_id != self.emu.bot_user.id and message.guild_id is not None:
            self._require(
                self.emu.guild(message.guild_id), Perm.MANAGE_MESSAGES, message.channel_id
            )
        self.emu._delete_message(message)
        return Reply.empty()

    # -------------------------------------------------------------------- guilds
    async def get_guild(self, ctx: RequestContext) -> Reply:
        guild = self._guild(ctx)
        payload = guild.to_payload()
        for key in ("members", "channels", "threads", "presences", "voice_states"):
            payload.pop(key, None)
        if ctx.flag("with_counts"):
            payload["approximate_member_count"] = len(guild.members)
            payload["approximate_presence_count"] = 0
        return Reply(200, payload)

    async def guild_channels(self, ctx: RequestContext) -> Reply:
        return Reply(200, [c.to_payload() for c in self._guild(ctx).channels.values()])

    async def guild_roles(self, ctx: RequestContext) -> Reply:
        return Reply(200, [r.to_payload() for r in self._guild(ctx).roles.values()])

    async def create_role(self, ctx: RequestContext) -> Reply:
        guild = self._guild(ctx)
        self._require(guild, Perm.MANAGE_ROLES)
        payload = await ctx.json() or {}
        if len(guild.roles) >= 250:
            raise ApiError(400, 30005, "Maximum number of guild roles reached (250)")
        errors = FormErrors()
        name = payload.get("name") or "new role"
        if len(name) > 100:
            errors.add(("name",), "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.")
        errors.raise_if_any()
        permissions = int(payload.get("permissions") or 0)
        bot_perms = guild.base_permissions(self.emu.bot_user.id)
        if permissions & ~bot_perms:
            raise ApiError(*_MISSING_PERMISSIONS)
        role = guild._insert_role(
            name,
            permissions,
            1,
            color=int(payload.get("color") or 0),
            hoist=bool(payload.get("hoist")),
            mentionable=bool(payload.get("mentionable")),
        )
        self.emu._dispatch_world(
            "GUILD_ROLE_CREATE",
            {"guild_id": str(guild.id), "role": role.to_payload()},
            guild_id=guild.id,
        )
        await self.emu._gateway.flush()
        return Reply(200, role.to_payload())

    async def list_members(self, ctx: RequestContext) -> Reply:
        guild = self._guild(ctx)
        limit = max(1, min(1000, int(ctx.query.get("limit", 1))))
        after = int(ctx.query.get("after", 0))
        members = sorted((m for m in guild.members.values() if m.id > after), key=lambda m: m.id)
        return Reply(200, [m.to_payload() for m in members[:limit]])

    async def get_member(self, ctx: RequestContext) -> Reply:
        guild = self._guild(ctx)
        return Reply(200, self._member(guild, ctx).to_payload())

    async def edit_member(self, ctx: RequestContext) -> Reply:
        guild = self._guild(ctx)
        member = self._member(guild, ctx)
        payload = await ctx.json() or {}
        changes: list[tuple[int, bool]] = []
        if "roles" in payload and payload["roles"] is not None:
            wanted = {int(r) for r in payload["roles"]}
            for role_id in wanted | set(member.roles):
                role = guild.roles.get(role_id)
                if role is None:
                    raise form_error(("roles",), "UNKNOWN_ROLE", f"Unknown role {role_id}")
                if (role_id in wanted) != (role_id in member.roles):
                    self._check_manageable(guild, role)
                    changes.append((role_id, role_id in wanted))
        if "nick" in payload:
            if member.id != self.emu.bot_user.id:
                self._require(guild, 1 << 27)  # MANAGE_NICKNAMES
            member.nick = payload["nick"]
        for role_id, added in changes:
            self.emu._apply_role_change(guild, member, role_id, added, ctx.reason)
        self.emu._dispatch_member_update(guild, member)
        await self.emu._gateway.flush()
        return Reply(200, member.to_payload())

    async def _change_role(self, ctx: RequestContext, added: bool) -> Reply:
        guild = self._guild(ctx)
        member = self._member(guild, ctx)
        role = guild.roles.get(ctx.snowflake("role_id"))
        if role is None:
            raise ApiError(404, 10011, "Unknown Role")
        self._check_manageable(guild, role)
        if (role.id in member.roles) != added:
            self.emu._apply_role_change(guild, member, role.id, added, ctx.reason)
            self.emu._dispatch_member_update(guild, member)
            await self.emu._gateway.flush()
        return Reply.empty()

    async def add_role(self, ctx: RequestContext) -> Reply:
        return await self._change_role(ctx, True)

    async def remove_role(self, ctx: RequestContext) -> Reply:
        return await self._change_role(ctx, False)
