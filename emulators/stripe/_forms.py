"""Stripe's request encoding: ``application/x-www-form-urlencoded`` bodies (and query strings)
whose keys nest with brackets (``restrictions[first_time_transaction]=true``,
``expand[]=promotion.coupon``), decoded into dictionaries and checked against the parameters
an endpoint declares, with the errors Stripe answers for an unknown or malformed parameter.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")


class ParamError(Exception):
    """A request parameter Stripe refuses: answered 400 ``invalid_request_error``."""

    def __init__(self, message: str, param: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        self.code = code


def decode(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """``[("a[b]", "1"), ("c[]", "x")]`` → ``{"a": {"b": "1"}, "c": ["x"]}``."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        match = _KEY.match(key)
        if match is None:
            raise ParamError(f"Invalid parameter name: {key}", key)
        parts = [match.group(1), *re.findall(r"\[([^\[\]]*)\]", match.group(2))]
        node: Any = out
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            following = None if last else parts[index + 1]
            if isinstance(node, list):
                if last:
                    node.append(value)
                else:
                    node.append({} if following else [])
                    node = node[-1]
                continue
            if last:
                node[part] = value
            else:
                child = node.setdefault(part, [] if following == "" else {})
                if not isinstance(child, dict | list):
                    raise ParamError("Invalid object", part)
                node = child
    return out


# ---------------------------------------------------------------- parameter schemas
@dataclass(frozen=True)
class Kind:
    """One parameter's type: ``string``, ``decimal``, ``integer``, ``boolean``, ``enum``,
    ``metadata`` (a hash of strings), ``list`` (of strings), or ``hash`` with ``fields``."""

    name: str
    choices: tuple[str, ...] = ()
    fields: Mapping[str, Kind] | None = None


STRING = Kind("string")
DECIMAL = Kind("decimal")
INTEGER = Kind("integer")
BOOLEAN = Kind("boolean")
METADATA = Kind("metadata")
LIST = Kind("list")


def enum(*choices: str) -> Kind:
    return Kind("enum", choices)


def hash_of(**fields: Kind) -> Kind:
    return Kind("hash", fields=fields)


def _path(prefix: str, name: str) -> str:
    return f"{prefix}[{name}]" if prefix else name


def check(params: Mapping[str, Any], fields: Mapping[str, Kind], prefix: str = "") -> dict:
    """The parameters converted to their types; :class:`ParamError` as Stripe words it for
    the first unknown or malformed one."""
    out: dict[str, Any] = {}
    for name, value in params.items():
        kind = fields.get(name)
        where = _path(prefix, name)
        if kind is None:
            raise ParamError(f"Received unknown parameter: {where}", where, "parameter_unknown")
        out[name] = _convert(value, kind, where)
    return out


def _convert(value: Any, kind: Kind, where: str) -> Any:
    if kind.name == "hash":
        if value == "":
            return None
        if not isinstance(value, dict):
            raise ParamError("Invalid object", where)
        assert kind.fields is not None
        return check(value, kind.fields, where)
    if kind.name == "metadata":
        if value == "":
            return {}
        if not isinstance(value, dict) or any(not isinstance(v, str) for v in value.values()):
            raise ParamError("Invalid object", where)
        return dict(value)
    if kind.name == "list":
        if not isinstance(value, list) or any(not isinstance(v, str) for v in value):
            raise ParamError("Invalid array", where)
        return list(value)
    if not isinstance(value, str):
        raise ParamError(f"Invalid {kind.name}: {value!r}", where)
    if kind.name == "string":
        return value
    if kind.name == "enum":
        if value not in kind.choices:
            choices = ", ".join(f"`{c}`" for c in kind.choices)
            raise ParamError(f"Invalid {where}: must be one of {choices}", where)
        return value
    if kind.name == "boolean":
        if value not in ("true", "false"):
            raise ParamError(f"Invalid boolean: {value}", where)
        return value == "true"
    if kind.name == "integer":
        if not re.fullmatch(r"-?\d+", value):
            raise ParamError(f"Invalid integer: {value}", where, "parameter_invalid_integer")
        return int(value)
    if kind.name == "decimal":
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise ParamError(f"Invalid decimal: {value}", where) from None
        if not number.is_finite():
            raise ParamError(f"Invalid decimal: {value}", where)
        return number
    raise AssertionError(kind.name)
