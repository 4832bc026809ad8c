"""Every text exists in English and Dutch and renders."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime
from pathlib import Path

import discord
import pytest
from discord import app_commands

from bot.domain.traffic import shares, sources
from bot.i18n import TEMPLATES_DIR, command_strings, escape, language_of, money, render
from bot.services.tracking import Traffic
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


_BLOCK_AT_END = re.compile(r"\{%-?[^%]*[^+]%\}\s*$")


def test_no_line_runs_into_the_next() -> None:
    """With ``trim_blocks`` the newline after a block tag is dropped, so a line of text ending
    in ``{% endif %}`` followed by another line of text would be glued to it ("€0.00
    paid**Code:**"). Such a line must end in ``+%}``, which keeps the newline."""
    glued = []
    paths = sorted(TEMPLATES_DIR.rglob("*.txt"))
    assert len(paths) > 300, "the templates are missing"
    for path in paths:
        lines = path.read_text().split("\n")
        for number, (line, following) in enumerate(itertools.pairwise(lines), 1):
            if "macro" in line or not _BLOCK_AT_END.search(line):
                continue
            if not re.sub(r"\{%.*?%\}", "", line).strip():
                continue  # a line of tags only: dropping its newline is the point
            after = following.lstrip()
            text_follows = bool(after) and not after.startswith("{%")
            if text_follows or after.startswith(("{% else", "{% elif", "{% endfor")):
                glued.append(f"{path.relative_to(TEMPLATES_DIR)}:{number}")
    assert glued == []


def test_creator_info_keeps_the_code_on_its_own_line() -> None:
    """The balance line and the code line of /creator info stay two lines, and the traffic
    lines follow the clicks."""
    from types import SimpleNamespace

    creator = SimpleNamespace(
        user_id=5,
        status="active",
        status_at=datetime(2026, 11, 2, tzinfo=UTC),
        tier="nano",
        followers=10,
        platform="tiktok",
        approved_at=datetime(2026, 11, 2, tzinfo=UTC),
        approved_by=None,
    )
    stats = SimpleNamespace(
        clicks=2, unique_clicks=1, orders=0, revenue=0, earned=0, currency="EUR"
    )
    balances = SimpleNamespace(pending=638, approved=0, paid=0, on_hold=0, currency="EUR")
    code = SimpleNamespace(code="ANNA15", discount_percent=15, active=True)
    traffic = Traffic(sources=sources([("l.instagram.com", 2)]), countries=shares([("NL", 2)]))
    for lang in ("en", "nl"):
        body = render(
            "onboarding.info",
            lang,
            creator=creator,
            stats=stats,
            balances=balances,
            code=code,
            links=[],
            timezone="UTC",
            traffic=traffic,
        )
        assert "\n**Code:** ANNA15 (15%)" in body
        assert "(1 unique)\n**From:** Instagram 100%\n**Countries:** Netherlands 100%\n" in (
            body.replace("uniek", "unique")
            .replace("Herkomst", "From")
            .replace("Landen", "Countries")
            .replace("Nederland", "Netherlands")
        )


def test_stats_break_clicks_down_by_campaign_only_with_several() -> None:
    """/stats shows clicks by campaign when the creator's clicks came through more than one
    of their links (campaign names are escaped), and not for a single one."""
    from types import SimpleNamespace

    stats = SimpleNamespace(
        clicks=4,
        unique_clicks=4,
        orders=0,
        leads=0,
        revenue=0,
        currency="EUR",
        conversion_rate=None,
        epc=None,
        earned=0,
        commissions={},
        recurring=0,
    )
    several = Traffic(
        sources=sources([(None, 4)]),
        countries=[],
        campaigns=shares([("Shop", 3), ("Summer_sale", 1)]),
    )
    one = Traffic(sources=sources([(None, 4)]), countries=[], campaigns=shares([("Shop", 4)]))
    body = render("earnings.stats", "en", s=stats, traffic=several, period="all", timezone="UTC")
    assert "**By campaign:** Shop 75% · Summer\\_sale 25%\n" in body
    dutch = render("earnings.stats", "nl", s=stats, traffic=several, period="all", timezone="UTC")
    assert "**Per campagne:** Shop 75% · Summer\\_sale 25%\n" in dutch
    body = render("earnings.stats", "en", s=stats, traffic=one, period="all", timezone="UTC")
    assert "By campaign" not in body


@pytest.mark.parametrize(
    ("params", "english", "dutch"),
    [
        ({"own": True, "status": None}, "Apply with /apply", "Meld je aan met /apply"),
        ({"own": True, "status": "paused"}, "membership is paused", "is gepauzeerd"),
        ({"own": False, "status": None}, "That member is not a creator", "Dat lid is geen creator"),
    ],
)
def test_one_not_a_creator_answer_for_every_asker(params: dict, english: str, dutch: str) -> None:
    """The member themselves is pointed to /apply; a manager is told about that member."""
    assert english in render("errors.not_a_creator", "en", **params)
    assert dutch in render("errors.not_a_creator", "nl", **params)
