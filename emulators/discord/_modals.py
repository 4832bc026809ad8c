"""Modal submissions: the components Discord sends back for the values a user typed or chose."""

from __future__ import annotations

from typing import Any

from ._errors import EmulatorError

__all__ = ["modal_components"]


def modal_components(modal: dict[str, Any], values: dict[str, Any]) -> list[dict[str, Any]]:
    """The submitted ``components`` of ``modal`` for ``values`` keyed by custom_id or label."""
    remaining = dict(values)
    components: list[dict[str, Any]] = []
    for comp in modal["components"]:
        if comp.get("type") == 1:
            inner = comp["components"][0]
            submitted = _modal_value(inner, inner.get("label"), remaining)
            components.append({"type": 1, "components": [submitted]})
        elif comp.get("type") == 18:
            inner = comp["component"]
            submitted = _modal_value(inner, comp.get("label"), remaining)
            components.append({"type": 18, "id": comp.get("id", 0), "component": submitted})
        elif comp.get("type") == 10:
            components.append({"type": 10, "id": comp.get("id", 0)})
    if remaining:
        raise EmulatorError(f"modal {modal['title']!r} has no input(s) {sorted(remaining)}")
    return components


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
