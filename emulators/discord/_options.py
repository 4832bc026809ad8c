"""Slash commands as a user types them: the registered command a test names (with Discord's
visibility rules) and the ``data`` Discord would send for its options, resolved objects included."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._commands import resolve_command_path
from ._constants import OptionType, Perm
from ._errors import EmulatorError
from ._records import Attachment

if TYPE_CHECKING:
    from ._emulator import DiscordEmulator
    from ._state import Channel, Guild

__all__ = ["command_data", "find_command", "resolve_channel", "resolve_user"]

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


def find_command(
    emu: DiscordEmulator, command: str, guild: Guild | None, user_id: int
) -> tuple[dict[str, Any], list[str]]:
    parts = command.strip().lstrip("/").split()
    if not parts:
        raise EmulatorError("empty command name")
    registry = emu._commands
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
        if required is not None and emu.enforce_command_permissions:
            perms = guild.base_permissions(user_id)
            needed = int(required)
            member = guild.members.get(user_id)
            holders = {user_id, guild.id, *(member.roles if member else [])}
            granted = holders & emu.command_grants.get((guild.id, parts[0]), set())
            if perms != Perm.ALL and not granted and (needed == 0 or perms & needed != needed):
                raise EmulatorError(
                    f"/{parts[0]} is hidden from user {user_id}: it requires permissions "
                    f"{needed} (default_member_permissions) and the member has {perms}"
                )
    return found, parts[1:]


def command_data(
    emu: DiscordEmulator,
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
        value = _option_value(emu, schema, options[name], guild, user_id, channel, resolved, full)
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
    emu: DiscordEmulator,
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
        _check_choice(schema, value, label)
        return value
    if kind in (OptionType.INTEGER, OptionType.NUMBER):
        ok = (
            isinstance(value, int) if kind == OptionType.INTEGER else isinstance(value, int | float)
        )
        if not ok or isinstance(value, bool):
            raise EmulatorError(f"{label} needs a number, got {value!r}")
        if schema.get("min_value") is not None and value < schema["min_value"]:
            raise EmulatorError(f"{label} must be >= {schema['min_value']}")
        if schema.get("max_value") is not None and value > schema["max_value"]:
            raise EmulatorError(f"{label} must be <= {schema['max_value']}")
        _check_choice(schema, value, label)
        return value
    if kind == OptionType.BOOLEAN:
        if not isinstance(value, bool):
            raise EmulatorError(f"{label} needs a bool, got {value!r}")
        return value
    if kind == OptionType.ATTACHMENT:
        attachment = _attachment(emu, value, label)
        resolved.setdefault("attachments", {})[str(attachment.id)] = attachment.to_payload()
        return str(attachment.id)
    target = int(getattr(value, "id", value)) if not isinstance(value, bool) else None
    if target is None:
        raise EmulatorError(f"{label} needs an id, got {value!r}")
    if kind == OptionType.USER or (kind == OptionType.MENTIONABLE and target in emu._users):
        resolve_user(emu, target, guild, resolved, label)
    elif kind == OptionType.ROLE or kind == OptionType.MENTIONABLE:
        role = guild.roles.get(target) if guild else None
        if role is None:
            raise EmulatorError(f"{label}: no role {target} in this guild")
        resolved.setdefault("roles", {})[str(target)] = role.to_payload()
    elif kind == OptionType.CHANNEL:
        resolve_channel(schema, target, guild, user_id, resolved, label)
    return str(target)


def _check_choice(schema: dict[str, Any], value: Any, label: str) -> None:
    choices = schema.get("choices")
    if choices and value not in [c["value"] for c in choices]:
        raise EmulatorError(
            f"{label} must be one of {[c['value'] for c in choices]}, got {value!r}"
        )


def _attachment(emu: DiscordEmulator, value: Any, label: str) -> Attachment:
    if isinstance(value, Attachment):
        attachment = Attachment(
            value.filename, value.content, value.content_type, description=value.description
        )
    elif isinstance(value, tuple) and len(value) == 2:
        attachment = Attachment(str(value[0]), bytes(value[1]))
    else:
        raise EmulatorError(f"{label} needs an Attachment(filename, content) or (filename, bytes)")
    if attachment.size > emu.attachment_size_limit:
        raise EmulatorError(f"{label}: file is larger than the attachment size limit")
    attachment.ephemeral = True
    return emu._store_attachment(attachment, channel_id=0)


def resolve_user(
    emu: DiscordEmulator,
    target: int,
    guild: Guild | None,
    resolved: dict[str, dict[str, Any]],
    label: str,
) -> None:
    if target not in emu._users:
        raise EmulatorError(f"{label}: unknown user {target}")
    resolved.setdefault("users", {})[str(target)] = emu.user(target).to_payload()
    member = guild.members.get(target) if guild else None
    if member is not None:
        payload = member.to_payload(with_user=False)
        payload["permissions"] = str(guild.base_permissions(target))  # type: ignore[union-attr]
        resolved.setdefault("members", {})[str(target)] = payload


def resolve_channel(
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
