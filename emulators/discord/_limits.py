"""Discord's documented payload limits, enforced with Discord's own error shapes.

Every ``validate_*`` function raises :class:`~emulators.discord._errors.ApiError`
(HTTP 400, code 50035 ``Invalid Form Body`` with a nested ``errors`` tree, or
code 50006 for an empty message) when the payload would be refused by Discord.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from ._constants import MessageFlag
from ._errors import ApiError, FormErrors

__all__ = [
    "MAX_CONTENT",
    "check_length",
    "validate_allowed_mentions",
    "validate_autocomplete_choices",
    "validate_components",
    "validate_embeds",
    "validate_message",
    "validate_modal",
]

MAX_CONTENT = 2000
MAX_EMBEDS = 10
MAX_EMBED_TOTAL = 6000
MAX_ATTACHMENTS = 10
MAX_ACTION_ROWS = 5
MAX_ROW_WIDTH = 5
MAX_V2_COMPONENTS = 40
MAX_CUSTOM_ID = 100
MAX_BUTTON_LABEL = 80
MAX_SELECT_OPTIONS = 25
MAX_MODAL_TITLE = 45
MAX_MODAL_COMPONENTS = 5
MAX_TEXT_INPUT_LABEL = 45
MAX_TEXT_INPUT_VALUE = 4000
MAX_CHOICES = 25
MAX_CHOICE_NAME = 100
MAX_CHOICE_VALUE = 100

_SELECT_TYPES = {3, 5, 6, 7, 8}
_V2_TOP_LEVEL = {1, 9, 10, 12, 13, 14, 17}
_URL_SCHEMES = {"http", "https", "attachment"}

Path = tuple[str | int, ...]


def check_length(
    errors: FormErrors,
    path: Path,
    value: Any,
    maximum: int,
    minimum: int = 0,
    *,
    required: bool = False,
) -> int:
    """Check a string field's length; return its length (0 when absent)."""
    if value is None:
        if required:
            errors.add(path, "BASE_TYPE_REQUIRED", "This field is required")
        return 0
    if not isinstance(value, str):
        errors.add(path, "BASE_TYPE_STRING", f'Could not interpret "{value!r}" as string.')
        return 0
    length = len(value)
    if minimum > 0 and (length < minimum or length > maximum):
        errors.add(
            path, "BASE_TYPE_BAD_LENGTH", f"Must be between {minimum} and {maximum} in length."
        )
    elif length > maximum:
        errors.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {maximum} or fewer in length.")
    return length


def _check_list(errors: FormErrors, path: Path, value: Any, maximum: int) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        errors.add(path, "BASE_TYPE_ARRAY", "Must be an array.")
        return []
    if len(value) > maximum:
        errors.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {maximum} or fewer in length.")
    return value


def _check_url(errors: FormErrors, path: Path, value: Any) -> None:
    if value is None:
        return
    parsed = urlparse(str(value))
    if parsed.scheme not in _URL_SCHEMES or not (parsed.netloc or parsed.scheme == "attachment"):
        errors.add(path, "URL_TYPE_INVALID_URL", "Not a well formed URL.")


# --------------------------------------------------------------------- embeds
def validate_embeds(errors: FormErrors, embeds: Any, path: Path = ("embeds",)) -> None:
    """Validate an ``embeds`` array: per-field limits and the 6000 character total."""
    items = _check_list(errors, path, embeds, MAX_EMBEDS)
    total = 0
    for index, embed in enumerate(items):
        here = (*path, index)
        if not isinstance(embed, dict):
            errors.add(here, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
            continue
        total += check_length(errors, (*here, "title"), embed.get("title"), 256)
        total += check_length(errors, (*here, "description"), embed.get("description"), 4096)
        _check_url(errors, (*here, "url"), embed.get("url"))
        color = embed.get("color")
        if color is not None and (not isinstance(color, int) or not 0 <= color <= 0xFFFFFF):
            errors.add((*here, "color"), "NUMBER_TYPE_MAX", "int value should be <= 16777215.")
        fields = _check_list(errors, (*here, "fields"), embed.get("fields"), 25)
        for f_index, item in enumerate(fields):
            f_path = (*here, "fields", f_index)
            total += check_length(
                errors, (*f_path, "name"), item.get("name"), 256, 1, required=True
            )
            total += check_length(
                errors, (*f_path, "value"), item.get("value"), 1024, 1, required=True
            )
        footer = embed.get("footer")
        if isinstance(footer, dict):
            total += check_length(errors, (*here, "footer", "text"), footer.get("text"), 2048)
            _check_url(errors, (*here, "footer", "icon_url"), footer.get("icon_url"))
        author = embed.get("author")
        if isinstance(author, dict):
            total += check_length(errors, (*here, "author", "name"), author.get("name"), 256)
            _check_url(errors, (*here, "author", "url"), author.get("url"))
            _check_url(errors, (*here, "author", "icon_url"), author.get("icon_url"))
        for media in ("image", "thumbnail"):
            if isinstance(embed.get(media), dict):
                _check_url(errors, (*here, media, "url"), embed[media].get("url"))
    if total > MAX_EMBED_TOTAL:
        errors.add(path, "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000")


# ----------------------------------------------------------------- components
def validate_components(
    errors: FormErrors, components: Any, flags: int = 0, path: Path = ("components",)
) -> None:
    """Validate message components (classic action rows, or components v2 when flagged)."""
    v2 = bool(flags & MessageFlag.IS_COMPONENTS_V2)
    rows = _check_list(errors, path, components, MAX_V2_COMPONENTS if v2 else MAX_ACTION_ROWS)
    seen_ids: set[str] = set()
    counter = [0]
    for index, row in enumerate(rows):
        here = (*path, index)
        if not isinstance(row, dict):
            errors.add(here, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
            continue
        kind = row.get("type")
        allowed = _V2_TOP_LEVEL if v2 else {1}
        if kind not in allowed:
            errors.add(
                (*here, "type"),
                "UNION_TYPE_CHOICES",
                f'Value of field "type" must be one of ({", ".join(map(str, sorted(allowed)))}).',
            )
            continue
        _validate_component(errors, row, here, seen_ids, counter)
    if v2 and counter[0] > MAX_V2_COMPONENTS:
        errors.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_V2_COMPONENTS} or fewer in length.")


def _validate_component(
    errors: FormErrors, comp: dict[str, Any], path: Path, seen: set[str], counter: list[int]
) -> None:
    counter[0] += 1
    kind = comp.get("type")
    if kind == 1:
        children = comp.get("components") or []
        if not children:
            errors.add(
                (*path, "components"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length."
            )
        if len(children) > MAX_ROW_WIDTH:
            errors.add(
                (*path, "components"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length."
            )
        if any(c.get("type") in _SELECT_TYPES for c in children) and len(children) > 1:
            errors.add(
                (*path, "components"),
                "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                "The specified component exceeds the maximum width",
            )
        for i, child in enumerate(children):
            _validate_component(errors, child, (*path, "components", i), seen, counter)
    elif kind == 2:
        _validate_button(errors, comp, path, seen)
    elif kind in _SELECT_TYPES:
        _validate_select(errors, comp, path, seen)
    elif kind in (9, 17):
        for i, child in enumerate(comp.get("components") or []):
            _validate_component(errors, child, (*path, "components", i), seen, counter)
        if isinstance(comp.get("accessory"), dict):
            _validate_component(errors, comp["accessory"], (*path, "accessory"), seen, counter)
    elif kind == 10:
        check_length(errors, (*path, "content"), comp.get("content"), 4000, 1, required=True)


def _check_custom_id(errors: FormErrors, comp: dict[str, Any], path: Path, seen: set[str]) -> None:
    custom_id = comp.get("custom_id")
    check_length(errors, (*path, "custom_id"), custom_id, MAX_CUSTOM_ID, 1, required=True)
    if isinstance(custom_id, str):
        if custom_id in seen:
            errors.add(
                (*path, "custom_id"),
                "COMPONENT_CUSTOM_ID_DUPLICATED",
                "Component custom id cannot be duplicated",
            )
        seen.add(custom_id)


def _validate_button(errors: FormErrors, comp: dict[str, Any], path: Path, seen: set[str]) -> None:
    style = comp.get("style")
    if style not in (1, 2, 3, 4, 5, 6):
        errors.add((*path, "style"), "BUTTON_COMPONENT_INVALID_STYLE", "Invalid button style")
    check_length(errors, (*path, "label"), comp.get("label"), MAX_BUTTON_LABEL)
    if style == 5:
        if comp.get("custom_id") is not None:
            errors.add(
                (*path, "custom_id"),
                "BUTTON_COMPONENT_CUSTOM_ID_NOT_ALLOWED",
                "A custom id cannot be specified for link buttons",
            )
        if comp.get("url") is None:
            errors.add(
                (*path, "url"),
                "BUTTON_COMPONENT_URL_REQUIRED",
                "A url is required for link buttons",
            )
        else:
            _check_url(errors, (*path, "url"), comp.get("url"))
    elif style != 6:
        _check_custom_id(errors, comp, path, seen)
    if comp.get("label") is None and comp.get("emoji") is None:
        errors.add((*path, "label"), "BASE_TYPE_REQUIRED", "A label or emoji is required")


def _validate_select(errors: FormErrors, comp: dict[str, Any], path: Path, seen: set[str]) -> None:
    _check_custom_id(errors, comp, path, seen)
    check_length(errors, (*path, "placeholder"), comp.get("placeholder"), 150)
    min_values = comp.get("min_values", 1)
    max_values = comp.get("max_values", 1)
    if not isinstance(min_values, int) or not 0 <= min_values <= 25:
        errors.add((*path, "min_values"), "NUMBER_TYPE_MAX", "int value should be <= 25.")
    if not isinstance(max_values, int) or not 1 <= max_values <= 25:
        errors.add((*path, "max_values"), "NUMBER_TYPE_MAX", "int value should be <= 25.")
    if comp.get("type") == 3:
        options = comp.get("options") or []
        if not 1 <= len(options) <= MAX_SELECT_OPTIONS:
            errors.add(
                (*path, "options"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 25 in length."
            )
        values: set[str] = set()
        for i, option in enumerate(options):
            o_path = (*path, "options", i)
            check_length(errors, (*o_path, "label"), option.get("label"), 100, 1, required=True)
            check_length(errors, (*o_path, "value"), option.get("value"), 100, 1, required=True)
            check_length(errors, (*o_path, "description"), option.get("description"), 100)
            if option.get("value") in values:
                errors.add(
                    (*o_path, "value"),
                    "SELECT_COMPONENT_OPTION_VALUE_DUPLICATED",
                    "Select component option values must be unique",
                )
            values.add(option.get("value"))
        if isinstance(max_values, int) and options and max_values > len(options):
            errors.add(
                (*path, "max_values"),
                "SELECT_COMPONENT_MAX_VALUES_EXCEEDS_OPTIONS",
                "max_values must be less than or equal to the number of options",
            )


# ------------------------------------------------------------ allowed mentions
def validate_allowed_mentions(errors: FormErrors, allowed: Any) -> None:
    """Validate ``allowed_mentions`` (``parse`` values, and parse/ids exclusivity)."""
    if allowed is None:
        return
    if not isinstance(allowed, dict):
        errors.add(
            ("allowed_mentions",),
            "DICT_TYPE_CONVERT",
            "Only dictionaries may be used in a DictType",
        )
        return
    parse = allowed.get("parse") or []
    for i, value in enumerate(parse):
        if value not in ("roles", "users", "everyone"):
            errors.add(
                ("allowed_mentions", "parse", i),
                "BASE_TYPE_CHOICES",
                "Value must be one of {'roles', 'users', 'everyone'}.",
            )
    for key in ("users", "roles"):
        ids = allowed.get(key) or []
        if len(ids) > 100:
            errors.add(
                ("allowed_mentions", key), "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length."
            )
        if ids and key in parse:
            errors.add(
                ("allowed_mentions",),
                "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
                f'parse:["{key}"] and {key}: [ids...] are mutually exclusive.',
            )


# -------------------------------------------------------------------- message
def validate_message(
    payload: dict[str, Any],
    *,
    n_files: int = 0,
    n_kept_attachments: int = 0,
    existing: dict[str, Any] | None = None,
) -> None:
    """Validate a create/edit message payload.

    ``existing`` is the current state of an edited message (keys ``content``,
    ``embeds``, ``components``, ``attachments``); the emptiness check is then
    applied to the message as it would look after the edit.
    """
    errors = FormErrors()
    flags = payload.get("flags") or 0
    if existing is not None and "flags" not in payload:
        flags = existing.get("flags") or 0
    content = payload.get("content")
    check_length(errors, ("content",), content, MAX_CONTENT)
    if "embeds" in payload:
        validate_embeds(errors, payload.get("embeds"))
    if "components" in payload:
        validate_components(errors, payload.get("components"), flags)
    validate_allowed_mentions(errors, payload.get("allowed_mentions"))
    if n_files + n_kept_attachments > MAX_ATTACHMENTS:
        errors.add(
            ("attachments",),
            "BASE_TYPE_MAX_LENGTH",
            f"Must be {MAX_ATTACHMENTS} or fewer in length.",
        )
    if flags & MessageFlag.IS_COMPONENTS_V2 and (content or payload.get("embeds")):
        errors.add(
            ("content",),
            "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
            "The 'content' and 'embeds' fields cannot be used when using "
            "MessageFlags.IS_COMPONENTS_V2",
        )
    errors.raise_if_any()

    def final(key: str) -> Any:
        if key in payload:
            return payload.get(key)
        return (existing or {}).get(key)

    has_files = n_files > 0 or (
        n_kept_attachments > 0 if "attachments" in payload else bool(final("attachments"))
    )
    if not (
        final("content")
        or final("embeds")
        or final("components")
        or has_files
        or payload.get("sticker_ids")
        or payload.get("poll")
    ):
        raise ApiError(400, 50006, "Cannot send an empty message", violation="empty_message")


# ---------------------------------------------------------------------- modal
def validate_modal(data: Any) -> None:
    """Validate a MODAL (type 9) callback's ``data``."""
    errors = FormErrors()
    if not isinstance(data, dict):
        errors.add(("data",), "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
        errors.raise_if_any()
        return
    check_length(errors, ("data", "title"), data.get("title"), MAX_MODAL_TITLE, 1, required=True)
    check_length(
        errors, ("data", "custom_id"), data.get("custom_id"), MAX_CUSTOM_ID, 1, required=True
    )
    components = data.get("components") or []
    if not 1 <= len(components) <= MAX_MODAL_COMPONENTS:
        errors.add(
            ("data", "components"),
            "BASE_TYPE_BAD_LENGTH",
            f"Must be between 1 and {MAX_MODAL_COMPONENTS} in length.",
        )
    seen: set[str] = set()
    for index, comp in enumerate(components):
        path: Path = ("data", "components", index)
        kind = comp.get("type")
        if kind == 1:
            children = comp.get("components") or []
            if len(children) != 1 or children[0].get("type") != 4:
                errors.add(
                    (*path, "components"),
                    "MODAL_ACTION_ROW_INVALID",
                    "Action rows in modals must contain exactly one text input",
                )
                continue
            _validate_text_input(
                errors, children[0], (*path, "components", 0), seen, label_required=True
            )
        elif kind == 18:
            check_length(
                errors, (*path, "label"), comp.get("label"), MAX_TEXT_INPUT_LABEL, 1, required=True
            )
            check_length(errors, (*path, "description"), comp.get("description"), 100)
            inner = comp.get("component")
            if not isinstance(inner, dict):
                errors.add((*path, "component"), "BASE_TYPE_REQUIRED", "This field is required")
                continue
            if inner.get("type") == 4:
                _validate_text_input(
                    errors, inner, (*path, "component"), seen, label_required=False
                )
            elif inner.get("type") in _SELECT_TYPES:
                _validate_select(errors, inner, (*path, "component"), seen)
            elif inner.get("type") not in (19, 21, 22, 23):
                errors.add(
                    (*path, "component", "type"),
                    "UNION_TYPE_CHOICES",
                    "Invalid component type for a label",
                )
        elif kind == 10:
            check_length(errors, (*path, "content"), comp.get("content"), 4000, 1, required=True)
        else:
            errors.add(
                (*path, "type"),
                "UNION_TYPE_CHOICES",
                'Value of field "type" must be one of (1, 10, 18).',
            )
    errors.raise_if_any()


def _validate_text_input(
    errors: FormErrors, comp: dict[str, Any], path: Path, seen: set[str], *, label_required: bool
) -> None:
    _check_custom_id(errors, comp, path, seen)
    if comp.get("style") not in (1, 2):
        errors.add((*path, "style"), "BASE_TYPE_CHOICES", "Value must be one of {1, 2}.")
    if label_required:
        check_length(
            errors, (*path, "label"), comp.get("label"), MAX_TEXT_INPUT_LABEL, 1, required=True
        )
    else:
        check_length(errors, (*path, "label"), comp.get("label"), MAX_TEXT_INPUT_LABEL)
    check_length(errors, (*path, "placeholder"), comp.get("placeholder"), 100)
    check_length(errors, (*path, "value"), comp.get("value"), MAX_TEXT_INPUT_VALUE)
    min_length = comp.get("min_length")
    max_length = comp.get("max_length")
    if min_length is not None and not 0 <= min_length <= MAX_TEXT_INPUT_VALUE:
        errors.add((*path, "min_length"), "NUMBER_TYPE_MAX", "int value should be <= 4000.")
    if max_length is not None and not 1 <= max_length <= MAX_TEXT_INPUT_VALUE:
        errors.add((*path, "max_length"), "NUMBER_TYPE_MAX", "int value should be <= 4000.")
    if min_length is not None and max_length is not None and min_length > max_length:
        errors.add((*path, "min_length"), "BASE_TYPE_BAD_VALUE", "min_length must be <= max_length")


# --------------------------------------------------------------- autocomplete
def validate_autocomplete_choices(data: Any) -> list[dict[str, Any]]:
    """Validate an AUTOCOMPLETE_RESULT (type 8) ``data`` and return its choices."""
    errors = FormErrors()
    choices = (data or {}).get("choices")
    if choices is None:
        errors.add(("data", "choices"), "BASE_TYPE_REQUIRED", "This field is required")
        errors.raise_if_any()
    items = _check_list(errors, ("data", "choices"), choices, MAX_CHOICES)
    for index, choice in enumerate(items):
        path: Path = ("data", "choices", index)
        check_length(errors, (*path, "name"), choice.get("name"), MAX_CHOICE_NAME, 1, required=True)
        value = choice.get("value")
        if isinstance(value, str):
            check_length(errors, (*path, "value"), value, MAX_CHOICE_VALUE)
        elif not isinstance(value, int | float) or isinstance(value, bool):
            errors.add((*path, "value"), "BASE_TYPE_REQUIRED", "This field is required")
    errors.raise_if_any()
    return list(items)
