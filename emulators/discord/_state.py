"""The emulated Discord world: users, guilds, roles, channels and members.

World objects are created through :class:`~emulators.discord.DiscordEmulator` and
:class:`Guild` methods. When a client is connected, every change made through
these methods is also dispatched on the gateway (``GUILD_CREATE``,
``GUILD_MEMBER_ADD``, ``GUILD_ROLE_CREATE``, ``CHANNEL_CREATE`` ...), exactly
like Discord would.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ._constants import DISCORD_EPOCH_MS, ChannelType, Intent, Perm

if TYPE_CHECKING:
    from ._emulator import DiscordEmulator

__all__ = [
    "Channel",
    "Guild",
    "Member",
    "PermissionOverwrite",
    "Role",
    "SnowflakeGenerator",
    "User",
    "iso",
    "utcnow",
]


def utcnow() -> dt.datetime:
    """Timezone-aware current UTC time."""
    return dt.datetime.now(dt.UTC)


def iso(value: dt.datetime | None) -> str | None:
    """Format a datetime like Discord does (ISO 8601 with offset)."""
    return value.isoformat() if value is not None else None


class SnowflakeGenerator:
    """Generates strictly increasing Discord snowflakes based on wall-clock time."""

    def __init__(self) -> None:
        self._last = 0
        self._lock = threading.Lock()
        self._increment = itertools.count()

    def next(self) -> int:
        """Return a new unique snowflake."""
        with self._lock:
            millis = int(time.time() * 1000) - DISCORD_EPOCH_MS
            value = (millis << 22) | (1 << 17) | (next(self._increment) & 0xFFF)
            if value <= self._last:
                value = self._last + 1
            self._last = value
            return value


@dataclass(eq=False)
class User:
    """A Discord user (human or bot)."""

    id: int
    name: str
    locale: str = "en-US"
    bot: bool = False
    global_name: str | None = None
    avatar: str | None = None

    def to_payload(self) -> dict[str, Any]:
        """The user object as Discord serialises it."""
        payload: dict[str, Any] = {
            "id": str(self.id),
            "username": self.name,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": self.avatar,
            "public_flags": 0,
        }
        if self.bot:
            payload["bot"] = True
        return payload

    def __getitem__(self, key: str) -> Any:
        """Dict-like access to the serialised payload (``user["id"]``)."""
        return self.to_payload()[key]

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"


@dataclass(eq=False)
class Role:
    """A guild role. ``position`` orders the hierarchy (higher = more powerful)."""

    id: int
    guild_id: int
    name: str
    permissions: int = 0
    position: int = 0
    color: int = 0
    hoist: bool = False
    managed: bool = False
    mentionable: bool = False
    bot_id: int | None = None

    def to_payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "id": str(self.id),
            "name": self.name,
            "permissions": str(self.permissions),
            "position": self.position,
            "color": self.color,
            "colors": {
                "primary_color": self.color,
                "secondary_color": None,
                "tertiary_color": None,
            },
            "hoist": self.hoist,
            "managed": self.managed,
            "mentionable": self.mentionable,
            "icon": None,
            "unicode_emoji": None,
            "flags": 0,
        }
        if self.bot_id is not None:
            payload["tags"] = {"bot_id": str(self.bot_id)}
        return payload

    @property
    def mention(self) -> str:
        return f"<@&{self.id}>"


@dataclass(eq=False)
class PermissionOverwrite:
    """A channel permission overwrite for a role (``type`` 0) or member (``type`` 1)."""

    id: int
    type: int
    allow: int = 0
    deny: int = 0

    def to_payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "type": self.type,
            "allow": str(self.allow),
            "deny": str(self.deny),
        }


@dataclass(eq=False)
class Channel:
    """A guild channel or a DM channel (``type`` 1, ``recipient_id`` set)."""

    id: int
    type: int
    name: str | None
    guild_id: int | None = None
    position: int = 0
    topic: str | None = None
    parent_id: int | None = None
    recipient_id: int | None = None
    overwrites: list[PermissionOverwrite] = field(default_factory=list)
    last_message_id: int | None = None
    _emu: DiscordEmulator | None = field(default=None, repr=False)

    @property
    def mention(self) -> str:
        return f"<#{self.id}>"

    def set_permissions(self, target_id: int, *, allow: int = 0, deny: int = 0) -> None:
        """Set (replace) the overwrite for a role or member id; dispatches CHANNEL_UPDATE."""
        if self.guild_id is None or self._emu is None:
            raise ValueError("only guild channels have permission overwrites")
        guild = self._emu.guild(self.guild_id)
        kind = 0 if target_id in guild.roles else 1
        self.overwrites = [o for o in self.overwrites if o.id != target_id]
        self.overwrites.append(PermissionOverwrite(target_id, kind, allow, deny))
        self._emu._dispatch_world("CHANNEL_UPDATE", self.to_payload(), guild_id=self.guild_id)

    def to_payload(self) -> dict[str, Any]:
        if self.type == ChannelType.DM:
            assert self._emu is not None
            recipient = self._emu.user(self.recipient_id or 0)
            return {
                "id": str(self.id),
                "type": ChannelType.DM,
                "last_message_id": str(self.last_message_id) if self.last_message_id else None,
                "recipients": [recipient.to_payload()],
                "flags": 0,
            }
        return {
            "id": str(self.id),
            "type": self.type,
            "guild_id": str(self.guild_id),
            "name": self.name,
            "position": self.position,
            "permission_overwrites": [o.to_payload() for o in self.overwrites],
            "topic": self.topic,
            "nsfw": False,
            "last_message_id": str(self.last_message_id) if self.last_message_id else None,
            "rate_limit_per_user": 0,
            "parent_id": str(self.parent_id) if self.parent_id else None,
            "flags": 0,
        }


@dataclass(eq=False)
class Member:
    """A user's membership in a guild. ``roles`` excludes the @everyone role."""

    guild_id: int
    user: User
    roles: list[int] = field(default_factory=list)
    joined_at: dt.datetime = field(default_factory=utcnow)
    nick: str | None = None

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def name(self) -> str:
        return self.user.name

    def to_payload(self, *, with_user: bool = True) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "roles": [str(r) for r in self.roles],
            "nick": self.nick,
            "avatar": None,
            "banner": None,
            "joined_at": iso(self.joined_at),
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }
        if with_user:
            payload["user"] = self.user.to_payload()
        return payload


class Guild:
    """An emulated guild. Create it with :meth:`DiscordEmulator.create_guild`."""

    def __init__(
        self,
        emu: DiscordEmulator,
        guild_id: int,
        name: str,
        owner_id: int,
        *,
        preferred_locale: str = "en-US",
    ) -> None:
        self._emu = emu
        self.id = guild_id
        self.name = name
        self.owner_id = owner_id
        self.preferred_locale = preferred_locale
        self.roles: dict[int, Role] = {}
        self.channels: dict[int, Channel] = {}
        self.members: dict[int, Member] = {}
        self.bot_role_id: int = 0
        self.joined_at = utcnow()

    def __repr__(self) -> str:
        return f"<Guild id={self.id} name={self.name!r}>"

    # ----------------------------------------------------------------- lookups
    @property
    def everyone_role(self) -> Role:
        """The @everyone role (its id equals the guild id)."""
        return self.roles[self.id]

    @property
    def bot_role(self) -> Role:
        """The managed role Discord created for the bot when it joined."""
        return self.roles[self.bot_role_id]

    @property
    def bot_member(self) -> Member:
        return self.members[self._emu.bot_user.id]

    def get_role(self, role_id: int) -> Role | None:
        return self.roles.get(int(role_id))

    def get_member(self, user_id: int) -> Member | None:
        return self.members.get(int(user_id))

    def get_channel(self, channel_id: int) -> Channel | None:
        return self.channels.get(int(channel_id))

    def role_named(self, name: str) -> Role | None:
        """Find a role by name (first match)."""
        return next((r for r in self.roles.values() if r.name == name), None)

    def channel_named(self, name: str) -> Channel | None:
        """Find a channel by name (first match)."""
        return next((c for c in self.channels.values() if c.name == name), None)

    # ------------------------------------------------------------ world building
    def create_role(
        self,
        name: str,
        permissions: int = 0,
        position: int | None = None,
        *,
        color: int = 0,
        hoist: bool = False,
        mentionable: bool = False,
        managed: bool = False,
    ) -> Role:
        """Create a role; dispatches ``GUILD_ROLE_CREATE``.

        Without ``position`` the role is placed directly below the bot's role
        (so the bot can manage it). With ``position`` it is inserted there and
        the roles at or above that position move up by one, like Discord's
        reordering; put it at ``guild.bot_role.position + 1`` (or higher) to
        create a role the bot is not allowed to manage.
        """
        role = self._insert_role(
            name,
            int(permissions),
            position,
            color=color,
            hoist=hoist,
            mentionable=mentionable,
            managed=managed,
        )
        self._emu._dispatch_world(
            "GUILD_ROLE_CREATE",
            {"guild_id": str(self.id), "role": role.to_payload()},
            guild_id=self.id,
        )
        return role

    def _insert_role(
        self,
        name: str,
        permissions: int,
        position: int | None,
        *,
        color: int = 0,
        hoist: bool = False,
        mentionable: bool = False,
        managed: bool = False,
        bot_id: int | None = None,
    ) -> Role:
        if position is None:
            position = self.roles[self.bot_role_id].position if self.bot_role_id else 1
        position = max(1, int(position))
        for other in self.roles.values():
            if other.id != self.id and other.position >= position:
                other.position += 1
        role = Role(
            id=self._emu._snowflakes.next(),
            guild_id=self.id,
            name=name,
            permissions=permissions,
            position=position,
            color=color,
            hoist=hoist,
            managed=managed,
            mentionable=mentionable,
            bot_id=bot_id,
        )
        self.roles[role.id] = role
        return role

    def create_text_channel(
        self,
        name: str,
        *,
        topic: str | None = None,
        overwrites: list[PermissionOverwrite] | None = None,
        parent_id: int | None = None,
    ) -> Channel:
        """Create a text channel (type 0); dispatches ``CHANNEL_CREATE``."""
        channel = self._new_channel(name, ChannelType.GUILD_TEXT, topic=topic, parent_id=parent_id)
        channel.overwrites = list(overwrites or [])
        self._emu._dispatch_world("CHANNEL_CREATE", channel.to_payload(), guild_id=self.id)
        return channel

    def create_category(self, name: str) -> Channel:
        """Create a category channel (type 4); dispatches ``CHANNEL_CREATE``."""
        channel = self._new_channel(name, ChannelType.GUILD_CATEGORY)
        self._emu._dispatch_world("CHANNEL_CREATE", channel.to_payload(), guild_id=self.id)
        return channel

    def _new_channel(
        self, name: str, kind: int, *, topic: str | None = None, parent_id: int | None = None
    ) -> Channel:
        channel = Channel(
            id=self._emu._snowflakes.next(),
            type=kind,
            name=name,
            guild_id=self.id,
            position=len(self.channels),
            topic=topic,
            parent_id=parent_id,
            _emu=self._emu,
        )
        self.channels[channel.id] = channel
        self._emu._channels[channel.id] = channel
        return channel

    def add_member(
        self,
        user: User | int,
        roles: list[int] | None = None,
        permissions: int | None = None,
        *,
        nick: str | None = None,
    ) -> Member:
        """Add a user to the guild; dispatches ``GUILD_MEMBER_ADD`` (members intent only).

        ``permissions``, when given, creates a personal role named
        ``"<name> permissions"`` carrying exactly those bits and assigns it.
        """
        user_obj = self._emu.user(user) if isinstance(user, int) else user
        if user_obj.id in self.members:
            raise ValueError(f"{user_obj.name} is already a member of {self.name}")
        role_ids = [int(getattr(r, "id", r)) for r in roles or []]
        for role_id in role_ids:
            if role_id not in self.roles or role_id == self.id:
                raise ValueError(f"role {role_id} does not exist in {self.name}")
        if permissions is not None:
            personal = self.create_role(
                f"{user_obj.name} permissions", permissions=int(permissions)
            )
            role_ids.append(personal.id)
        member = Member(guild_id=self.id, user=user_obj, roles=role_ids, nick=nick)
        self.members[user_obj.id] = member
        payload = member.to_payload()
        payload["guild_id"] = str(self.id)
        self._emu._dispatch_world(
            "GUILD_MEMBER_ADD", payload, guild_id=self.id, intent=Intent.GUILD_MEMBERS
        )
        return member

    def remove_member(self, user_id: int) -> None:
        """Remove a member (they left); dispatches ``GUILD_MEMBER_REMOVE``."""
        member = self.members.pop(int(user_id))
        self._emu._dispatch_world(
            "GUILD_MEMBER_REMOVE",
            {"guild_id": str(self.id), "user": member.user.to_payload()},
            guild_id=self.id,
            intent=Intent.GUILD_MEMBERS,
        )

    def set_member_roles(self, user_id: int, roles: list[int]) -> Member:
        """Replace a member's roles as a moderator would; dispatches ``GUILD_MEMBER_UPDATE``.

        This is a world change, not a bot action, so it is not recorded in
        ``emu.role_changes``.
        """
        member = self.members[int(user_id)]
        member.roles = [int(getattr(r, "id", r)) for r in roles]
        self._emu._dispatch_member_update(self, member)
        return member

    # -------------------------------------------------------------- permissions
    def top_role_position(self, user_id: int) -> int:
        """Position of the member's highest role (0 for @everyone only)."""
        member = self.members.get(int(user_id))
        if member is None:
            return -1
        return max([0, *(self.roles[r].position for r in member.roles if r in self.roles)])

    def base_permissions(self, user_id: int) -> int:
        """Guild-level permissions of a member (owner and administrators get all)."""
        if int(user_id) == self.owner_id:
            return Perm.ALL
        member = self.members.get(int(user_id))
        if member is None:
            return 0
        perms = self.everyone_role.permissions
        for role_id in member.roles:
            role = self.roles.get(role_id)
            if role is not None:
                perms |= role.permissions
        if perms & Perm.ADMINISTRATOR:
            return Perm.ALL
        return perms

    def permissions_for(self, user_id: int, channel_id: int | None = None) -> int:
        """Effective permissions of a member, applying channel overwrites if given."""
        perms = self.base_permissions(user_id)
        if perms == Perm.ALL or channel_id is None:
            return perms
        channel = self.channels.get(int(channel_id))
        member = self.members.get(int(user_id))
        if channel is None or member is None:
            return perms
        by_id = {o.id: o for o in channel.overwrites}
        everyone = by_id.get(self.id)
        if everyone is not None:
            perms = (perms & ~everyone.deny) | everyone.allow
        allow = deny = 0
        for role_id in member.roles:
            overwrite = by_id.get(role_id)
            if overwrite is not None and overwrite.type == 0:
                allow |= overwrite.allow
                deny |= overwrite.deny
        perms = (perms & ~deny) | allow
        personal = by_id.get(member.id)
        if personal is not None and personal.type == 1:
            perms = (perms & ~personal.deny) | personal.allow
        if not perms & Perm.VIEW_CHANNEL:
            return 0
        return perms

    # ------------------------------------------------------------ serialisation
    def to_payload(self, *, include_all_members: bool = True) -> dict[str, Any]:
        """Full GUILD_CREATE payload.

        Without the members intent Discord only includes the bot's own member,
        while ``member_count`` stays the real count.
        """
        bot_id = self._emu.bot_user.id
        members = [
            m.to_payload() for m in self.members.values() if include_all_members or m.id == bot_id
        ]
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(self.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": [r.to_payload() for r in self.roles.values()],
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "max_members": 500_000,
            "vanity_url_code": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "preferred_locale": self.preferred_locale,
            "nsfw_level": 0,
            "nsfw": False,
            "joined_at": iso(self.joined_at),
            "large": False,
            "lazy": True,
            "member_count": len(self.members),
            "members": members,
            "channels": [c.to_payload() for c in self.channels.values()],
            "threads": [],
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "incidents_data": None,
        }

    def partial_payload(self) -> dict[str, Any]:
        """The partial guild object attached to interactions."""
        return {"id": str(self.id), "locale": self.preferred_locale, "features": []}
