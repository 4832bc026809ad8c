"""Just enough GraphQL for the Shopify stand-in: a parser for one operation (variables,
arguments, fields, aliases, inline fragments) and the static checks a GraphQL server makes
against a small schema, with graphql-ruby's messages and error codes (Shopify runs
graphql-ruby), so that a request a real store would refuse is refused here too.

Not supported (answered as an error, never silently accepted): named fragments and fragment
spreads, directives, block strings, several operations in one document.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# --------------------------------------------------------------------------- the AST


@dataclass(frozen=True)
class Var:
    name: str


@dataclass(frozen=True)
class Enum:
    name: str


@dataclass
class Field:
    name: str
    alias: str | None
    args: dict[str, Any]
    selections: list[Field | Fragment] | None

    @property
    def key(self) -> str:
        return self.alias or self.name


@dataclass
class Fragment:
    """An inline fragment ``... on Type { … }``."""

    type_condition: str | None
    selections: list[Field | Fragment]


@dataclass
class VarDef:
    name: str
    type: str  # as written, e.g. ``ID!`` or ``[String!]``
    default: Any = None
    has_default: bool = False


@dataclass
class Operation:
    kind: str  # query | mutation
    name: str | None
    variables: dict[str, VarDef]
    selections: list[Field | Fragment]

    @property
    def label(self) -> str:
        return self.name or f"anonymous {self.kind}"


class GraphQLError(Exception):
    """One or more errors answered as ``{"errors": [...]}`` with HTTP 200."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(errors[0]["message"] if errors else "GraphQL error")
        self.errors = errors


def error(message: str, **extensions: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"message": message}
    if extensions:
        body["extensions"] = extensions
    return body


# --------------------------------------------------------------------------- parsing

_TOKEN = re.compile(
    r"""(?P<skip>[\s,]+|\#[^\n]*)
      | (?P<punct>\.\.\.|[!$():=@\[\]{}|])
      | (?P<name>[_A-Za-z][_0-9A-Za-z]*)
      | (?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
      | (?P<string>"(?:\\.|[^"\\\n])*")""",
    re.VERBOSE,
)


def _tokens(source: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(source):
        match = _TOKEN.match(source, pos)
        if match is None:
            raise GraphQLError([error(f'Parse error on "{source[pos]}" at position {pos}')])
        pos = match.end()
        kind = match.lastgroup or ""
        if kind != "skip":
            out.append((kind, match.group()))
    return out


class _Parser:
    def __init__(self, source: str) -> None:
        self.tokens = _tokens(source)
        self.pos = 0

    def peek(self, offset: int = 0) -> tuple[str, str]:
        index = self.pos + offset
        return self.tokens[index] if index < len(self.tokens) else ("eof", "")

    def take(self, value: str | None = None, kind: str | None = None) -> str:
        token_kind, text = self.peek()
        if (value is not None and text != value) or (kind is not None and token_kind != kind):
            shown = text or "end of file"
            raise GraphQLError([error(f'Parse error on "{shown}" ({token_kind.upper()})')])
        self.pos += 1
        return text

    def at(self, value: str) -> bool:
        return self.peek()[1] == value and self.peek()[0] in ("punct", "name")

    # document := operation
    def document(self) -> Operation:
        if self.at("{"):
            operation = Operation("query", None, {}, self.selection_set())
        else:
            kind = self.take(kind="name")
            if kind == "fragment":
                raise GraphQLError([error("Fragment definitions are not supported here")])
            if kind not in ("query", "mutation", "subscription"):
                raise GraphQLError([error(f'Parse error on "{kind}" (IDENTIFIER)')])
            name = self.take(kind="name") if self.peek()[0] == "name" else None
            variables = self.variable_definitions() if self.at("(") else {}
            if self.at("@"):
                raise GraphQLError([error("Directives are not supported here")])
            operation = Operation(kind, name, variables, self.selection_set())
        if self.peek()[0] != "eof":
            raise GraphQLError([error("Only one operation per document is supported here")])
        return operation

    def variable_definitions(self) -> dict[str, VarDef]:
        self.take("(")
        out: dict[str, VarDef] = {}
        while not self.at(")"):
            self.take("$")
            name = self.take(kind="name")
            self.take(":")
            type_text = self.type_ref()
            definition = VarDef(name, type_text)
            if self.at("="):
                self.take("=")
                definition.default = self.value(const=True)
                definition.has_default = True
            if name in out:
                message = f'There can only be one variable named "{name}"'
                raise GraphQLError([error(message, code="variableNotUnique")])
            out[name] = definition
        self.take(")")
        return out

    def type_ref(self) -> str:
        if self.at("["):
            self.take("[")
            inner = self.type_ref()
            self.take("]")
            text = f"[{inner}]"
        else:
            text = self.take(kind="name")
        if self.at("!"):
            self.take("!")
            text += "!"
        return text

    def selection_set(self) -> list[Field | Fragment]:
        self.take("{")
        out: list[Field | Fragment] = []
        while not self.at("}"):
            out.append(self.selection())
        self.take("}")
        if not out:
            raise GraphQLError([error('Parse error on "}" (RCURLY)')])
        return out

    def selection(self) -> Field | Fragment:
        if self.at("..."):
            self.take("...")
            if self.at("on"):
                self.take("on")
                condition = self.take(kind="name")
                return Fragment(condition, self.selection_set())
            if self.at("{"):
                return Fragment(None, self.selection_set())
            raise GraphQLError([error("Fragment spreads are not supported here")])
        name = self.take(kind="name")
        alias = None
        if self.at(":"):
            self.take(":")
            alias, name = name, self.take(kind="name")
        args: dict[str, Any] = {}
        if self.at("("):
            self.take("(")
            while not self.at(")"):
                arg = self.take(kind="name")
                self.take(":")
                args[arg] = self.value(const=False)
            self.take(")")
        if self.at("@"):
            raise GraphQLError([error("Directives are not supported here")])
        selections = self.selection_set() if self.at("{") else None
        return Field(name, alias, args, selections)

    def value(self, *, const: bool) -> Any:
        kind, text = self.peek()
        if text == "$" and kind == "punct":
            if const:
                raise GraphQLError([error("Variables are not allowed in default values")])
            self.take("$")
            return Var(self.take(kind="name"))
        if text == "[" and kind == "punct":
            self.take("[")
            items = []
            while not self.at("]"):
                items.append(self.value(const=const))
            self.take("]")
            return items
        if text == "{" and kind == "punct":
            self.take("{")
            obj: dict[str, Any] = {}
            while not self.at("}"):
                key = self.take(kind="name")
                self.take(":")
                obj[key] = self.value(const=const)
            self.take("}")
            return obj
        self.pos += 1
        if kind == "number":
            return float(text) if any(c in text for c in ".eE") else int(text)
        if kind == "string":
            return _unescape(text[1:-1])
        if kind == "name":
            return {"true": True, "false": False, "null": None}.get(text, Enum(text))
        raise GraphQLError([error(f'Parse error on "{text or "end of file"}"')])


def _unescape(text: str) -> str:
    simple = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}

    def one(match: re.Match[str]) -> str:
        escaped = match.group(1)
        if escaped.startswith("u"):
            return chr(int(escaped[1:], 16))
        return simple.get(escaped, escaped)

    return re.sub(r"\\(u[0-9a-fA-F]{4}|.)", one, text)


def parse(source: str) -> Operation:
    """The one operation of ``source``; :class:`GraphQLError` when it does not parse."""
    return _Parser(source).document()


# --------------------------------------------------------------------------- the schema

SCALARS = {
    "ID",
    "String",
    "Int",
    "Float",
    "Boolean",
    "DateTime",
    "Decimal",
    "Money",
    "UnsignedInt64",
}


@dataclass(frozen=True)
class FieldDef:
    type: str
    args: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Schema:
    """Object types (name → fields), unions (name → member types), input objects (name →
    field types), enums (name → values)."""

    objects: dict[str, dict[str, FieldDef]]
    unions: dict[str, set[str]]
    inputs: dict[str, dict[str, str]]
    enums: dict[str, set[str]]

    def is_leaf(self, name: str) -> bool:
        return name in SCALARS or name in self.enums

    def is_input(self, name: str) -> bool:
        return name in SCALARS or name in self.enums or name in self.inputs


def named(type_text: str) -> str:
    return type_text.replace("[", "").replace("]", "").replace("!", "")


def _compatible(var_type: str, arg_type: str) -> bool:
    """Whether a variable of ``var_type`` may be used where ``arg_type`` is expected."""
    if var_type == arg_type:
        return True
    if var_type.endswith("!") and not arg_type.endswith("!"):
        return _compatible(var_type[:-1], arg_type)
    if var_type.startswith("[") and arg_type.startswith("["):
        return _compatible(var_type.rstrip("!")[1:-1], arg_type.rstrip("!")[1:-1])
    return False


def validate(schema: Schema, operation: Operation, root: str) -> None:
    """graphql-ruby's static validation, as far as this schema goes: fields exist, leaves
    have no selections and objects have some, unions are only selected through fragments,
    arguments exist and are given, variables are declared, used and of a compatible type."""
    errors: list[dict[str, Any]] = []
    used: set[str] = set()
    for definition in operation.variables.values():
        if not schema.is_input(named(definition.type)):
            errors.append(
                error(
                    f"{named(definition.type)} isn't a defined input type (on ${definition.name})",
                    code="variableRequiresValidType",
                    typeName=named(definition.type),
                    variableName=definition.name,
                )
            )

    def check_args(owner: str, fld: Field, fdef: FieldDef) -> None:
        for arg, value in fld.args.items():
            if arg not in fdef.args:
                errors.append(
                    error(
                        f"Field '{fld.name}' doesn't accept argument '{arg}'",
                        code="argumentNotAccepted",
                        name=fld.name,
                        typeName="Field",
                        argumentName=arg,
                    )
                )
                continue
            expected = fdef.args[arg]
            for var in _variables_in(value):
                used.add(var.name)
                declared = operation.variables.get(var.name)
                if declared is None:
                    errors.append(
                        error(
                            f"Variable ${var.name} is used by {operation.label} but not declared",
                            code="variableNotDefined",
                            variableName=var.name,
                        )
                    )
                elif isinstance(value, Var) and not _compatible(declared.type, expected):
                    errors.append(
                        error(
                            f"Type mismatch on variable ${var.name} and argument {arg} "
                            f"({declared.type} / {expected})",
                            code="variableMismatch",
                            variableName=var.name,
                            typeName=declared.type,
                            argumentName=arg,
                            errorMessage="Type mismatch",
                        )
                    )
            if not isinstance(value, Var) and not _variables_in(value):
                problems = coerce(schema, expected, value, [])[1]
                if problems:
                    errors.append(
                        error(
                            f"Argument '{arg}' on Field '{fld.name}' has an invalid value "
                            f"({_literal(value)}). Expected type '{expected}'.",
                            code="argumentLiteralsIncompatible",
                            typeName="Field",
                            argumentName=arg,
                        )
                    )
        if {"first", "last"} <= fdef.args.keys() and not {"first", "last"} & fld.args.keys():
            # A connection: Shopify wants a page size before it runs anything.
            errors.append(error("you must provide one of first or last"))
        missing = [a for a, t in fdef.args.items() if t.endswith("!") and a not in fld.args]
        if missing:
            errors.append(
                error(
                    f"Field '{fld.name}' is missing required arguments: {', '.join(missing)}",
                    code="missingRequiredArguments",
                    className="Field",
                    name=fld.name,
                    arguments=", ".join(missing),
                )
            )
        del owner

    def walk(type_name: str, selections: list[Field | Fragment]) -> None:
        for selection in selections:
            if isinstance(selection, Fragment):
                condition = selection.type_condition or type_name
                allowed = {type_name} | schema.unions.get(type_name, set())
                if condition not in allowed:
                    errors.append(
                        error(
                            f"Fragment on {condition} can't be spread inside {type_name}",
                            code="cannotSpreadFragment",
                            typeName=condition,
                            fragmentName="unknown",
                            parentName=type_name,
                        )
                    )
                    continue
                walk(condition, selection.selections)
                continue
            if selection.name == "__typename":
                continue
            if type_name in schema.unions:
                errors.append(
                    error(
                        f"Selections can't be made directly on unions "
                        f"(see selections on {type_name})",
                        code="selectionMismatch",
                        nodeName=type_name,
                    )
                )
                continue
            fdef = schema.objects[type_name].get(selection.name)
            if fdef is None:
                errors.append(
                    error(
                        f"Field '{selection.name}' doesn't exist on type '{type_name}'",
                        code="undefinedField",
                        typeName=type_name,
                        fieldName=selection.name,
                    )
                )
                continue
            check_args(type_name, selection, fdef)
            target = named(fdef.type)
            if schema.is_leaf(target):
                if selection.selections is not None:
                    errors.append(
                        error(
                            f"Selections can't be made on scalars (field '{selection.name}' "
                            f"returns {target} but has selections "
                            f"[{', '.join(_names(selection.selections))}])",
                            code="selectionMismatch",
                            nodeName=f"field '{selection.name}'",
                            typeName=target,
                        )
                    )
            elif selection.selections is None:
                errors.append(
                    error(
                        f"Field must have selections (field '{selection.name}' returns "
                        f"{target} but has no selections. Did you mean "
                        f"'{selection.name} {{ ... }}'?)",
                        code="selectionMismatch",
                        nodeName=f"field '{selection.name}'",
                        typeName=target,
                    )
                )
            else:
                walk(target, selection.selections)

    walk(root, operation.selections)
    for name in operation.variables:
        if name not in used:
            errors.append(
                error(
                    f"Variable ${name} is declared by {operation.label} but not used",
                    code="variableNotUsed",
                    variableName=name,
                )
            )
    if errors:
        raise GraphQLError(errors)


def _names(selections: list[Field | Fragment]) -> list[str]:
    return [s.name if isinstance(s, Field) else "..." for s in selections]


def _variables_in(value: Any) -> list[Var]:
    if isinstance(value, Var):
        return [value]
    if isinstance(value, list):
        return [v for item in value for v in _variables_in(item)]
    if isinstance(value, dict):
        return [v for item in value.values() for v in _variables_in(item)]
    return []


def _literal(value: Any) -> str:
    if isinstance(value, Enum):
        return value.name
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_literal(v)}" for k, v in value.items()) + "}"
    return str(value)


# ------------------------------------------------------------------------ coercion


def _scalar(name: str, value: Any) -> tuple[bool, Any]:
    if isinstance(value, Enum):
        return False, None
    if name in ("String", "ID"):
        return isinstance(value, str), value
    if name == "Boolean":
        return isinstance(value, bool), value
    if name == "Int":
        ok = isinstance(value, int) and not isinstance(value, bool) and -(2**31) <= value < 2**31
        return ok, value
    if name == "Float":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return ok, float(value) if ok else None
    if name == "DateTime":
        if isinstance(value, datetime):  # coerced already (a variable inside a literal)
            return value.tzinfo is not None, value
        if not isinstance(value, str):
            return False, None
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return False, None
        return parsed.tzinfo is not None, parsed
    if name in ("Decimal", "Money"):  # Money: a decimal string or a number, e.g. "24.95"
        try:
            return not isinstance(value, bool), float(value)
        except (TypeError, ValueError):
            return False, None
    if name == "UnsignedInt64":
        try:
            number = int(value)
        except (TypeError, ValueError):
            return False, None
        return number >= 0 and not isinstance(value, bool | float), number
    return False, None


def coerce(
    schema: Schema, type_text: str, value: Any, path: list[str | int]
) -> tuple[Any, list[dict[str, Any]]]:
    """``value`` (JSON from the variables, or a literal) as ``type_text``, and the problems
    found, each ``{"path", "explanation"}`` as graphql-ruby reports them."""
    if type_text.endswith("!"):
        if value is None:
            return None, [{"path": path, "explanation": "Expected value to not be null"}]
        type_text = type_text[:-1]
    if value is None:
        return None, []
    if type_text.startswith("["):
        inner = type_text[1:-1]
        items = value if isinstance(value, list) else [value]
        out, problems = [], []
        for index, item in enumerate(items):
            coerced, found = coerce(schema, inner, item, [*path, index])
            out.append(coerced)
            problems += found
        return out, problems
    if type_text in schema.inputs:
        if not isinstance(value, dict):
            explanation = f"Expected {_json(value)} to be a key-value object."
            return None, [{"path": path, "explanation": explanation}]
        fields = schema.inputs[type_text]
        out_obj: dict[str, Any] = {}
        problems = []
        for key, item in value.items():
            if key not in fields:
                problems.append(
                    {"path": [*path, key], "explanation": f"Field is not defined on {type_text}"}
                )
                continue
            out_obj[key], found = coerce(schema, fields[key], item, [*path, key])
            problems += found
        for key, ftype in fields.items():
            if ftype.endswith("!") and key not in value:
                problems.append(
                    {"path": [*path, key], "explanation": "Expected value to not be null"}
                )
        return out_obj, problems
    if type_text in schema.enums:
        name = value.name if isinstance(value, Enum) else value
        if isinstance(name, str) and name in schema.enums[type_text]:
            return name, []
        return None, [
            {
                "path": path,
                "explanation": f"Expected {_json(value)} to be one of: "
                + ", ".join(sorted(schema.enums[type_text])),
            }
        ]
    ok, coerced = _scalar(type_text, value)
    if not ok:
        return None, [
            {"path": path, "explanation": f"Could not coerce value {_json(value)} to {type_text}"}
        ]
    return coerced, []


def _json(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    return _literal(value)


def variable_values(
    schema: Schema, operation: Operation, given: Mapping[str, Any]
) -> dict[str, Any]:
    """The declared variables, coerced; ``INVALID_VARIABLE`` errors as Shopify answers them."""
    values: dict[str, Any] = {}
    errors = []
    for name, definition in operation.variables.items():
        raw = given.get(name, definition.default if definition.has_default else None)
        values[name], problems = coerce(schema, definition.type, raw, [])
        if problems:
            errors.append(
                error(
                    f"Variable ${name} of type {definition.type} was provided invalid value",
                    code="INVALID_VARIABLE",
                    value=raw,
                    problems=problems,
                )
            )
    if errors:
        raise GraphQLError(errors)
    return values


def resolve_args(schema: Schema, fld: Field, fdef: FieldDef, values: Mapping[str, Any]) -> dict:
    """The field's arguments with variables substituted and literals coerced."""

    def substitute(value: Any) -> Any:
        if isinstance(value, Var):
            return values.get(value.name)
        if isinstance(value, list):
            return [substitute(v) for v in value]
        if isinstance(value, dict):
            return {k: substitute(v) for k, v in value.items()}
        return value

    out = {}
    for arg, value in fld.args.items():
        out[arg] = coerce(schema, fdef.args[arg], substitute(value), [])[0]
    return out


# ----------------------------------------------------------------------- projection

Resolver = Callable[[dict[str, Any]], Any]


def project(
    schema: Schema, type_name: str, obj: Any, selections: list[Field | Fragment], values: Mapping
) -> Any:
    """The part of ``obj`` (dicts with ``__typename``; a callable value takes the field's
    arguments) that ``selections`` asks for, keyed by alias."""
    if obj is None:
        return None
    if isinstance(obj, list):
        return [project(schema, type_name, item, selections, values) for item in obj]
    concrete = obj.get("__typename", type_name)
    out: dict[str, Any] = {}
    for selection in selections:
        if isinstance(selection, Fragment):
            if selection.type_condition in (None, concrete, type_name):
                out.update(project(schema, concrete, obj, selection.selections, values))
            continue
        if selection.name == "__typename":
            out[selection.key] = concrete
            continue
        fdef = schema.objects[concrete][selection.name]
        value = obj.get(selection.name)
        if callable(value):
            value = value(resolve_args(schema, selection, fdef, values))
        if selection.selections is None or value is None:
            out[selection.key] = value
        else:
            out[selection.key] = project(
                schema, named(fdef.type), value, selection.selections, values
            )
    return out
