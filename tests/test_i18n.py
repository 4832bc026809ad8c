"""Every text exists in English and Dutch and renders."""

from __future__ import annotations

from pathlib import Path

import discord
from discord import app_commands

from bot.i18n import TEMPLATES_DIR, command_strings, escape, language_of, money, render
from bot.translator import TemplateTranslator, text


def _templates(lang: str) -> set[str]:
    root = TEMPLATES_DIR / lang
    return {str(p.relative_to(root)) for p in root.rglob("*.txt")}


def test_dutch_and_english_have_the_same_templates() -> None:
    """No message exists in one language only."""
    assert _templates("en") == _templates("nl")
    assert _templates("en")


def test_command_strings_have_the_same_keys() -> None:
    """Every command description is translated."""
    assert set(command_strings("en")) == set(command_strings("nl"))


def test_discord_locales_map_to_languages() -> None:
    """Dutch Discord clients get Dutch; everyone else English."""
    assert language_of(discord.Locale.dutch) == "nl"
    assert language_of("nl-NL") == "nl"
    assert language_of(discord.Locale.american_english) == "en"
    assert language_of(None) == "en"


def test_money_is_localised() -> None:
    """Amounts are minor units rendered per language."""
    assert money(1250, "EUR", "en") == "€12.50"
    assert money(1250, "EUR", "nl") == "€\xa012,50"
    assert money(500, "JPY", "en").endswith("¥500")


def test_escape_neutralises_mentions_and_markdown() -> None:
    """A handle like @everyone or **bold** cannot ping or format."""
    escaped = escape("@everyone **x**")
    assert "@everyone" not in escaped
    assert "\\*\\*x\\*\\*" in escaped


def test_unknown_language_falls_back_to_english() -> None:
    """A language we do not have renders in English."""
    assert render("errors.guild_only", "de") == render("errors.guild_only", "en")


async def test_translator_returns_dutch_descriptions() -> None:
    """The translator gives Dutch for Dutch and leaves English to the default."""
    translator = TemplateTranslator()
    string = text("setup.description")
    context = app_commands.TranslationContext(
        location=app_commands.TranslationContextLocation.command_description, data=None
    )
    dutch = await translator.translate(string, discord.Locale.dutch, context)
    assert dutch == command_strings("nl")["setup.description"]
    assert await translator.translate(string, discord.Locale.british_english, context) is None


def test_templates_dir_is_in_the_repository() -> None:
    """Templates are found relative to the code, wherever the process starts."""
    assert Path(TEMPLATES_DIR, "en", "commands", "setup.toml").is_file()
