"""Application command registry: validation of registrations and lookups for invocations."""

from __future__ import annotations

import copy
import re
from typing import Any

from ._constants import OptionType
from ._errors import ApiError, EmulatorError, FormErrors
from ._limits import check_length
from ._state import SnowflakeGenerator

__all__ = ["CommandRegistry", "resolve_command_path", "validate_commands"]

CHAT_INPUT, USER_COMMAND, MESSAGE_COMMAND, PRIMARY_ENTRY_POINT = 1, 2, 3, 4
MAX_COMMANDS = {CHAT_INPUT: 100, USER_COMMAND: 15, MESSAGE_COMMAND: 15, PRIMARY_ENTRY_POINT: 1}
MAX_COMMAND_SIZE = 8000

# ^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$ ; \w covers letters, digits and "_" (plus marks
# used by Devanagari/Thai via the explicit ranges).
_NAME_RE = re.compile(r"^[-_'\w\u0900-\u097F\u0E00-\u0E7F]{1,32}$")

VALID_LOCALES = frozenset(
    "id da de en-GB en-US es-ES es-419 fr hr it lt hu nl no pl pt-BR ro fi sv-SE vi tr cs el bg "
    "ru uk hi th zh-CN ja zh-TW ko".split()
)

_VALUE_TYPES = {
    OptionType.STRING,
    OptionType.INTEGER,
    OptionType.BOOLEAN,
    OptionType.USER,
    OptionType.CHANNEL,
    OptionType.ROLE,
    OptionType.MENTIONABLE,
    OptionType.NUMBER,
    OptionType.ATTACHMENT,
}
_CHOICE_TYPES = {OptionType.STRING, OptionType.INTEGER, OptionType.NUMBER}


def _check_name(errors: FormErrors, path: tuple[Any, ...], name: Any, *, chat_input: bool) -> None:
    if check_length(errors, path, name, 32, 1, required=True) == 0 or not isinstance(name, str):
        return
    if len(name) > 32:
        return
    if chat_input and (not _NAME_RE.match(name) or name != name.lower()):
        errors.add(path, "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")


def _check_localizations(
    errors: FormErrors,
    path: tuple[Any, ...],
    value: Any,
    *,
    maximum: int,
    name_rules: bool = False,
    chat_input: bool = True,
) -> int:
    if value is None:
        return 0
    if not isinstance(value, dict):
        errors.add(path, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
        return 0
    size = 0
    for locale, text in value.items():
        if locale not in VALID_LOCALES:
            errors.add((*path, locale), "LOCALE_INVALID", f"Invalid locale: {locale}")
            continue
        if name_rules:
            _check_name(errors, (*path, locale), text, chat_input=chat_input)
        else:
            check_length(errors, (*path, locale), text, maximum, 1, required=True)
        size = max(size, len(text) if isinstance(text, str) else 0)
    return size


def _validate_options(
    errors: FormErrors, options: Any, path: tuple[Any, ...], *, depth: int
) -> int:
    """Validate a list of options; ``depth`` 0 = command level. Returns the character size."""
    if options is None:
        return 0
    if not isinstance(options, list):
        errors.add(path, "BASE_TYPE_ARRAY", "Must be an array.")
        return 0
    if len(options) > 25:
        errors.add(path, "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
    size = 0
    names: set[str] = set()
    seen_optional = False
    kinds = {o.get("type") for o in options if isinstance(o, dict)}
    if kinds & {OptionType.SUB_COMMAND, OptionType.SUB_COMMAND_GROUP} and kinds & _VALUE_TYPES:
        errors.add(
            path,
            "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
            "Sub-command and sub-command group option types are mutually exclusive to all "
            "other types",
        )
    for index, option in enumerate(options):
        here = (*path, index)
        if not isinstance(option, dict):
            errors.add(here, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
            continue
        kind = option.get("type")
        if kind not in _VALUE_TYPES | {OptionType.SUB_COMMAND, OptionType.SUB_COMMAND_GROUP}:
            errors.add((*here, "type"), "BASE_TYPE_CHOICES", "Value must be one of {1, ..., 11}.")
            continue
        name = option.get("name")
        _check_name(errors, (*here, "name"), name, chat_input=True)
        if isinstance(name, str):
            if name in names:
                errors.add(
                    (*here, "name"),
                    "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS",
                    "Option names must be unique",
                )
            names.add(name)
        size += len(name) if isinstance(name, str) else 0
        size += check_length(
            errors, (*here, "description"), option.get("description"), 100, 1, required=True
        )
        size += _check_localizations(
            errors,
            (*here, "name_localizations"),
            option.get("name_localizations"),
            maximum=32,
            name_rules=True,
        )
        size += _check_localizations(
            errors,
            (*here, "description_localizations"),
            option.get("description_localizations"),
            maximum=100,
        )
        if kind == OptionType.SUB_COMMAND_GROUP:
            if depth > 0:
                errors.add(
                    (*here, "type"),
                    "APPLICATION_COMMAND_OPTION_TYPE_INVALID",
                    "Sub-command groups cannot be nested",
                )
            children = option.get("options") or []
            if not children or any(c.get("type") != OptionType.SUB_COMMAND for c in children):
                errors.add(
                    (*here, "options"),
                    "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
                    "Sub-command groups may only contain sub-commands (1 to 25)",
                )
            size += _validate_options(errors, children, (*here, "options"), depth=depth + 1)
        elif kind == OptionType.SUB_COMMAND:
            if depth > 1:
                errors.add(
                    (*here, "type"),
                    "APPLICATION_COMMAND_OPTION_TYPE_INVALID",
                    "Sub-commands nested too deep",
                )
            size += _validate_options(
                errors, option.get("options"), (*here, "options"), depth=depth + 2
            )
        else:
            size += _validate_value_option(errors, option, here)
            if option.get("required"):
                if seen_optional:
                    errors.add(
                        (*here, "required"),
                        "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                        "Required options must be placed before non-required options",
                    )
            else:
                seen_optional = True
    return size


def _validate_value_option(
    errors: FormErrors, option: dict[str, Any], path: tuple[Any, ...]
) -> int:
    kind = option["type"]
    size = 0
    if option.get("options"):
        errors.add(
            (*path, "options"),
            "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
            "Only sub-commands may have options",
        )
    choices = option.get("choices")
    if choices:
        if kind not in _CHOICE_TYPES:
            errors.add(
                (*path, "choices"),
                "APPLICATION_COMMAND_OPTION_CHOICES_INVALID",
                "Choices are not allowed for this type",
            )
        if len(choices) > 25:
            errors.add((*path, "choices"), "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
        if option.get("autocomplete"):
            errors.add(
                (*path, "autocomplete"),
                "APPLICATION_COMMAND_AUTOCOMPLETE_INVALID",
                "Autocomplete cannot be enabled when choices are present",
            )
        for c_index, choice in enumerate(choices):
            c_path = (*path, "choices", c_index)
            size += check_length(
                errors, (*c_path, "name"), choice.get("name"), 100, 1, required=True
            )
            size += _check_localizations(
                errors,
                (*c_path, "name_localizations"),
                choice.get("name_localizations"),
                maximum=100,
            )
            value = choice.get("value")
            if kind == OptionType.STRING:
                size += check_length(errors, (*c_path, "value"), value, 100, required=True)
            elif not isinstance(value, int | float) or isinstance(value, bool):
                errors.add(
                    (*c_path, "value"), "NUMBER_TYPE_COERCE", f'Value "{value}" is not a number.'
                )
            elif kind == OptionType.INTEGER and not isinstance(value, int):
                errors.add((*c_path, "value"), "NUMBER_TYPE_COERCE", f'Value "{value}" is not int.')
    for key, low in (("min_length", 0), ("max_length", 1)):
        value = option.get(key)
        if value is not None and (kind != OptionType.STRING or not low <= value <= 6000):
            errors.add((*path, key), "NUMBER_TYPE_MAX", "int value should be <= 6000.")
    return size


def validate_commands(commands: Any) -> None:
    """Validate a bulk-overwrite payload (a list of command objects) like Discord does."""
    errors = FormErrors()
    if not isinstance(commands, list):
        errors.add((), "BASE_TYPE_ARRAY", "Must be an array.")
        errors.raise_if_any("command_registration")
    counts: dict[int, int] = {}
    seen: set[tuple[int, str]] = set()
    for index, command in enumerate(commands):
        if not isinstance(command, dict):
            errors.add((index,), "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
            continue
        validate_command(errors, command, (index,))
        kind = command.get("type", CHAT_INPUT)
        counts[kind] = counts.get(kind, 0) + 1
        key = (kind, str(command.get("name")))
        if key in seen:
            errors.add(
                (index, "name"),
                "APPLICATION_COMMANDS_DUPLICATE_NAME",
                f"Application command names must be unique (duplicate: {command.get('name')!r})",
            )
        seen.add(key)
    for kind, count in counts.items():
        limit = MAX_COMMANDS.get(kind, 100)
        if count > limit:
            errors.add(
                (),
                "APPLICATION_COMMANDS_TOO_MANY",
                f"Maximum number of application commands of type {kind} reached ({limit})",
            )
    errors.raise_if_any("command_registration")


def validate_command(errors: FormErrors, command: dict[str, Any], path: tuple[Any, ...]) -> None:
    """Validate one command object, adding problems under ``path``."""
    kind = command.get("type", CHAT_INPUT)
    if kind not in MAX_COMMANDS:
        errors.add((*path, "type"), "BASE_TYPE_CHOICES", "Value must be one of {1, 2, 3, 4}.")
        return
    chat_input = kind == CHAT_INPUT
    name = command.get("name")
    _check_name(errors, (*path, "name"), name, chat_input=chat_input)
    size = len(name) if isinstance(name, str) else 0
    description = command.get("description")
    if chat_input:
        size += check_length(errors, (*path, "description"), description, 100, 1, required=True)
    elif description:
        errors.add(
            (*path, "description"),
            "APPLICATION_COMMAND_CONTEXT_MENU_DESCRIPTION",
            "Context menu commands cannot have description",
        )
    size += _check_localizations(
        errors,
        (*path, "name_localizations"),
        command.get("name_localizations"),
        maximum=32,
        name_rules=True,
        chat_input=chat_input,
    )
    size += _check_localizations(
        errors,
        (*path, "description_localizations"),
        command.get("description_localizations"),
        maximum=100,
    )
    if chat_input:
        size += _validate_options(errors, command.get("options"), (*path, "options"), depth=0)
    elif command.get("options"):
        errors.add(
            (*path, "options"),
            "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
            "Context menu commands cannot have options",
        )
    perms = command.get("default_member_permissions")
    if perms is not None and not str(perms).isdigit():
        errors.add(
            (*path, "default_member_permissions"),
            "NUMBER_TYPE_COERCE",
            f'Value "{perms}" is not snowflake.',
        )
    if size > MAX_COMMAND_SIZE:
        errors.add(
            path,
            "APPLICATION_COMMAND_TOO_LARGE",
            f"Command exceeds maximum size ({MAX_COMMAND_SIZE})",
        )


class CommandRegistry:
    """Stores the application commands the bot registered (global and per guild)."""

    def __init__(self, snowflakes: SnowflakeGenerator, application_id: int) -> None:
        self._snowflakes = snowflakes
        self.application_id = application_id
        self._global: list[dict[str, Any]] = []
        self._guild: dict[int, list[dict[str, Any]]] = {}

    def list(self, guild_id: int | None = None) -> list[dict[str, Any]]:
        """The registered commands (copies), global when ``guild_id`` is None."""
        return copy.deepcopy(self._scope(guild_id))

    def _scope(self, guild_id: int | None) -> list[dict[str, Any]]:
        if guild_id is None:
            return self._global
        return self._guild.setdefault(int(guild_id), [])

    def _normalise(
        self, command: dict[str, Any], guild_id: int | None, previous: dict[str, Any] | None
    ) -> dict[str, Any]:
        perms = command.get("default_member_permissions")
        stored: dict[str, Any] = {
            "id": previous["id"] if previous else str(self._snowflakes.next()),
            "application_id": str(self.application_id),
            "version": str(self._snowflakes.next()),
            "type": command.get("type", CHAT_INPUT),
            "name": command["name"],
            "description": command.get("description", ""),
            "options": copy.deepcopy(command.get("options") or []),
            "default_member_permissions": None if perms is None else str(perms),
            "dm_permission": command.get("dm_permission", True),
            "contexts": command.get("contexts"),
            "integration_types": command.get("integration_types") or [0],
            "nsfw": bool(command.get("nsfw", False)),
            "name_localizations": command.get("name_localizations"),
            "description_localizations": command.get("description_localizations"),
        }
        if guild_id is not None:
            stored["guild_id"] = str(guild_id)
        return stored

    def overwrite(self, commands: Any, guild_id: int | None = None) -> list[dict[str, Any]]:
        """Bulk overwrite (PUT); keeps the ids of commands that already existed by name/type."""
        validate_commands(commands)
        scope = self._scope(guild_id)
        old = {(c["type"], c["name"]): c for c in scope}
        new = [
            self._normalise(c, guild_id, old.get((c.get("type", CHAT_INPUT), c["name"])))
            for c in commands
        ]
        scope[:] = new
        return copy.deepcopy(new)

    def upsert(self, command: Any, guild_id: int | None = None) -> tuple[dict[str, Any], bool]:
        """Create or replace one command (POST); returns ``(command, created)``."""
        errors = FormErrors()
        if not isinstance(command, dict):
            errors.add((), "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
            errors.raise_if_any("command_registration")
        validate_command(errors, command, ())
        errors.raise_if_any("command_registration")
        scope = self._scope(guild_id)
        kind = command.get("type", CHAT_INPUT)
        previous = next(
            (c for c in scope if (c["type"], c["name"]) == (kind, command["name"])), None
        )
        if previous is None and sum(1 for c in scope if c["type"] == kind) >= MAX_COMMANDS[kind]:
            raise ApiError(
                400,
                30032,
                "Maximum number of application commands reached",
                violation="command_registration",
            )
        stored = self._normalise(command, guild_id, previous)
        if previous is not None:
            scope[scope.index(previous)] = stored
        else:
            scope.append(stored)
        return copy.deepcopy(stored), previous is None

    def get(self, command_id: int, guild_id: int | None = None) -> dict[str, Any]:
        for command in self._scope(guild_id):
            if int(command["id"]) == int(command_id):
                return command
        raise ApiError(404, 10063, "Unknown application command")

    def edit(
        self, command_id: int, patch: dict[str, Any], guild_id: int | None = None
    ) -> dict[str, Any]:
        current = self.get(command_id, guild_id)
        merged = {**current, **patch}
        merged.pop("id", None)
        errors = FormErrors()
        validate_command(errors, merged, ())
        errors.raise_if_any("command_registration")
        scope = self._scope(guild_id)
        stored = self._normalise(merged, guild_id, current)
        scope[scope.index(current)] = stored
        return copy.deepcopy(stored)

    def delete(self, command_id: int, guild_id: int | None = None) -> None:
        scope = self._scope(guild_id)
        scope.remove(self.get(command_id, guild_id))

    def find(
        self, name: str, guild_id: int | None, kind: int = CHAT_INPUT
    ) -> dict[str, Any] | None:
        """Find a command as a user would see it: guild commands first, then global ones."""
        scopes = [self._guild.get(int(guild_id), [])] if guild_id is not None else []
        scopes.append(self._global)
        for scope in scopes:
            for command in scope:
                if command["name"] == name and command["type"] == kind:
                    return command
        return None

    def names(self, guild_id: int | None) -> list[str]:
        out = [c["name"] for c in self._global]
        if guild_id is not None:
            out += [c["name"] for c in self._guild.get(int(guild_id), [])]
        return sorted(set(out))


def resolve_command_path(
    command: dict[str, Any], path: list[str]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Walk ``path`` (sub-command group / sub-command names) through ``command``'s schema.

    Returns ``(nesting, leaf_options)``: the sub-command option objects
    traversed and the option schemas of the final (sub-)command.
    """
    nesting: list[dict[str, Any]] = []
    options = command.get("options") or []
    for part in path:
        sub = next(
            (
                o
                for o in options
                if o.get("name") == part
                and o.get("type") in (OptionType.SUB_COMMAND, OptionType.SUB_COMMAND_GROUP)
            ),
            None,
        )
        if sub is None:
            known = [o["name"] for o in options if o.get("type") in (1, 2)]
            raise EmulatorError(
                f"/{command['name']} has no sub-command {part!r} at this level (known: {known})"
            )
        nesting.append(sub)
        options = sub.get("options") or []
    subs = [o["name"] for o in options if o.get("type") in (1, 2)]
    if subs:
        full = " ".join([command["name"], *path])
        raise EmulatorError(f"/{full} needs a sub-command: one of {subs}")
    return nesting, options
