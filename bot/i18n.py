"""Every user-facing text comes from ``templates/`` through :func:`render`.

``templates/{lang}/{area}/{name}.txt`` is a Jinja2 template; the key ``"setup.saved"`` names
``setup/saved.txt``. Command and option descriptions live in
``templates/{lang}/commands/*.toml``, one file per feature.
Languages: English (``en``, the fallback) and Dutch (``nl``), chosen from the Discord locale.
"""

from __future__ import annotations

import re
import tomllib
from datetime import datetime
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime
from babel.numbers import format_currency, format_decimal, get_currency_precision
from jinja2 import Environment, FileSystemLoader, StrictUndefined

# Package data: installed with the wheel, found wherever the package is.
TEMPLATES_DIR = Path(str(files("bot") / "templates"))
LANGUAGES = ("en", "nl")
DEFAULT_LANGUAGE = "en"
_BABEL_LOCALE = {"en": "en_GB", "nl": "nl_NL"}
_MARKDOWN = re.compile(r"([\\*_~`|>#\[\]()<:-])")


def language_of(locale: object | None) -> str:
    """``"nl"`` for any Dutch Discord locale (``nl``, ``nl-NL``), else ``"en"``."""
    value = str(getattr(locale, "value", locale) or "").lower()
    return "nl" if value.startswith("nl") else DEFAULT_LANGUAGE


def escape(text: object) -> str:
    """Neutralise Discord markdown and mentions in text a user typed (handles, reasons)."""
    value = _MARKDOWN.sub(r"\\\1", str(text))
    # A zero-width space after @ keeps "@everyone" readable but never a mention, even if a
    # message were ever sent with mentions allowed.
    return value.replace("@", "@\u200b")


def money(amount_minor: int, currency: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """Minor units as a localised amount, e.g. ``€ 12,50`` in Dutch."""
    digits = get_currency_precision(currency)
    return format_currency(
        amount_minor / (10**digits) if digits else amount_minor,
        currency,
        locale=_BABEL_LOCALE[lang],
    )


def percent_bp(basis_points: int, lang: str = DEFAULT_LANGUAGE) -> str:
    """Basis points as a percentage, e.g. 1250 → ``12.5%`` (``12,5%`` in Dutch)."""
    return format_decimal(basis_points / 100, format="#,##0.##", locale=_BABEL_LOCALE[lang]) + "%"


def when(moment: datetime, timezone: str = "UTC", lang: str = DEFAULT_LANGUAGE) -> str:
    """An aware datetime in the server's timezone, e.g. ``23 Nov 2026, 09:00 CET``."""
    local = moment.astimezone(ZoneInfo(timezone))
    return format_datetime(local, "d MMM y, HH:mm zzz", locale=_BABEL_LOCALE[lang])


def country(code: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """A two-letter country code as the country's name, e.g. ``NL`` → ``Netherlands``
    (``Nederland`` in Dutch); an unknown code stays as it is."""
    return str(Locale.parse(_BABEL_LOCALE[lang]).territories.get(code.upper(), code))


# How each shop spells its own name (the values of bot.shops.codes.ShopKind).
SHOP_NAMES = {"shopify": "Shopify", "woocommerce": "WooCommerce", "stripe": "Stripe"}


def _language_filters(lang: str) -> dict[str, Any]:
    return {
        "money": lambda amount, currency: money(amount, currency, lang),
        "percent_bp": lambda bp: percent_bp(bp, lang),
        "when": lambda moment, tz="UTC": when(moment, tz, lang),
        "number": lambda value: format_decimal(value, locale=_BABEL_LOCALE[lang]),
        "country": lambda code: country(code, lang),
    }


@cache
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        undefined=StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["escape_md"] = escape
    env.filters["shop_name"] = lambda kind: SHOP_NAMES.get(str(kind), str(kind))
    return env


def template_path(key: str, lang: str) -> str:
    area, _, name = key.rpartition(".")
    if not area:
        raise KeyError(f"template key needs an area: {key!r}")
    return f"{lang}/{area.replace('.', '/')}/{name}.txt"


def render(key: str, lang: str = DEFAULT_LANGUAGE, **context: Any) -> str:
    """Render the template ``key`` in ``lang`` (falling back to English), stripped."""
    lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
    env = _environment()
    template = env.get_template(template_path(key, lang))
    text = template.render(lang=lang, **_language_filters(lang), **context)
    return text.strip()


@cache
def command_strings(lang: str) -> dict[str, str]:
    """The flattened ``commands/*.toml`` of a language: ``{"setup.description": "…"}``."""
    flat: dict[str, str] = {}

    def walk(prefix: str, node: dict[str, Any]) -> None:
        for key, value in node.items():
            path = f"{prefix}.{key}" if prefix else key
            if isinstance(value, dict):
                walk(path, value)
            else:
                flat[path] = str(value)

    for path in sorted((TEMPLATES_DIR / lang / "commands").glob("*.toml")):
        with path.open("rb") as handle:
            walk("", tomllib.load(handle))
    return flat


def command_text(key: str) -> str:
    """The English command string for ``key`` (what Discord shows by default)."""
    return command_strings(DEFAULT_LANGUAGE)[key]
