"""Process configuration: defaults, one clear error naming the variable, no secrets shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.config import load_settings
from bot.errors import ConfigError


def test_defaults_match_the_product() -> None:
    """Without any variable the documented defaults apply."""
    settings = load_settings()
    assert settings.database_url == "sqlite:///creatorbot.db"
    assert settings.public_url == "http://127.0.0.1:8080"
    assert (settings.http_host, settings.http_port, settings.sweep_seconds) == (
        "127.0.0.1",
        8080,
        60,
    )
    assert settings.shopify_secret is None


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("CREATORBOT_HTTP_PORT", "eighty"),
        ("CREATORBOT_PUBLIC_URL", "go.brand.example"),
        ("CREATORBOT_DATABASE_URL", "mysql://x"),
        ("DISCORD_GATEWAY_URL", "http://127.0.0.1:1"),
        ("CREATORBOT_SWEEP_SECONDS", "0"),
    ],
)
def test_invalid_variable_is_named(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    """A bad value raises an error naming exactly that variable."""
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert caught.value.variable == variable


def test_toml_file_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """creatorbot.toml supplies values; the environment wins over it."""
    path = tmp_path / "creatorbot.toml"
    path.write_text(
        'creatorbot_public_url = "https://go.brand.example/"\ncreatorbot_http_port = 9000\n'
    )
    monkeypatch.setenv("CREATORBOT_CONFIG", str(path))
    monkeypatch.setenv("CREATORBOT_HTTP_PORT", "9100")
    settings = load_settings()
    assert settings.public_url == "https://go.brand.example"
    assert settings.http_port == 9100


def test_secrets_are_not_printed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The settings' text form hides tokens and webhook secrets."""
    monkeypatch.setenv("DISCORD_TOKEN", "very-secret-token")
    monkeypatch.setenv("CREATORBOT_STRIPE_SECRET", "whsec_abc")
    shown = repr(load_settings())
    assert "very-secret-token" not in shown and "whsec_abc" not in shown


def test_run_without_token_is_one_clear_line(capsys: pytest.CaptureFixture[str]) -> None:
    """`creatorbot run` with no token exits 2 and names DISCORD_TOKEN on one line."""
    assert main(["run"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert "DISCORD_TOKEN" in err


def test_cli_bad_variable_exit(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bad variable stops start-up before anything else happens."""
    monkeypatch.setenv("DISCORD_TOKEN", "x")
    monkeypatch.setenv("CREATORBOT_HTTP_PORT", "-5")
    assert main(["run"]) == 2
    assert "CREATORBOT_HTTP_PORT" in capsys.readouterr().err


def test_migrate_and_backup_commands(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`migrate` brings a file to the code's version; `backup` writes a copy once."""
    monkeypatch.setenv("CREATORBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'live.db'}")
    assert main(["migrate"]) == 0
    assert "applied" in capsys.readouterr().out
    assert main(["migrate"]) == 0
    assert "up to date" in capsys.readouterr().out
    target = tmp_path / "copy.db"
    assert main(["backup", str(target)]) == 0
    assert target.stat().st_size > 0
    assert main(["backup", str(target)]) == 1
    assert "already exists" in capsys.readouterr().err


def test_debug_logging_never_shows_tokens_or_sql_arguments() -> None:
    """At DEBUG, discord.py's request lines and aiosqlite's SQL arguments stay hidden."""
    import logging

    from bot.cli import setup_logging

    setup_logging("DEBUG")
    try:
        assert logging.getLogger("aiosqlite").getEffectiveLevel() == logging.INFO
        assert logging.getLogger("discord.http").getEffectiveLevel() == logging.INFO
    finally:
        logging.getLogger().setLevel(logging.WARNING)


def test_shopify_store_domain_means_https(monkeypatch: pytest.MonkeyPatch) -> None:
    """A store domain and an Admin token give the HTTPS API base and the token."""
    monkeypatch.setenv("CREATORBOT_SHOPIFY_STORE", "Brand.myshopify.com")
    monkeypatch.setenv("CREATORBOT_SHOPIFY_ADMIN_TOKEN", "shpat_abc")
    settings = load_settings()
    assert settings.shopify_admin == ("https://brand.myshopify.com", "shpat_abc")
    assert "shpat_abc" not in repr(settings)


def test_shopify_store_with_a_scheme_is_used_as_is(monkeypatch: pytest.MonkeyPatch) -> None:
    """A store address with a scheme (a local server, a proxy) is the API base as given."""
    monkeypatch.setenv("CREATORBOT_SHOPIFY_STORE", "http://127.0.0.1:9100/")
    monkeypatch.setenv("CREATORBOT_SHOPIFY_ADMIN_TOKEN", "shpat_abc")
    assert load_settings().shopify_admin == ("http://127.0.0.1:9100", "shpat_abc")


@pytest.mark.parametrize(
    ("store", "token"), [("brand.myshopify.com", None), (None, "shpat_abc"), ("brand.x", " ")]
)
def test_shopify_is_not_connected_without_both(
    monkeypatch: pytest.MonkeyPatch, store: str | None, token: str | None
) -> None:
    """Without both the store and a token, Shopify is simply not connected."""
    if store:
        monkeypatch.setenv("CREATORBOT_SHOPIFY_STORE", store)
    if token:
        monkeypatch.setenv("CREATORBOT_SHOPIFY_ADMIN_TOKEN", token)
    assert load_settings().shopify_admin is None


@pytest.mark.parametrize(
    "value", ["brand shop", "ftp://brand.myshopify.com", "https://brand.myshopify.com/admin"]
)
def test_an_invalid_shopify_store_is_named(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    """A store that is not a domain or an http(s) address names CREATORBOT_SHOPIFY_STORE."""
    monkeypatch.setenv("CREATORBOT_SHOPIFY_STORE", value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert caught.value.variable == "CREATORBOT_SHOPIFY_STORE"


def test_stripe_api_key_and_base(monkeypatch: pytest.MonkeyPatch) -> None:
    """With a Stripe key the API is Stripe's own unless a base is given; the key is hidden."""
    assert load_settings().stripe_api is None
    monkeypatch.setenv("CREATORBOT_STRIPE_API_KEY", "rk_live_secretvalue")
    settings = load_settings()
    assert settings.stripe_api == ("https://api.stripe.com", "rk_live_secretvalue")
    assert "rk_live_secretvalue" not in repr(settings)
    monkeypatch.setenv("CREATORBOT_STRIPE_API_BASE", "http://127.0.0.1:9100/")
    assert load_settings().stripe_api == ("http://127.0.0.1:9100", "rk_live_secretvalue")


@pytest.mark.parametrize("value", ["api.stripe.com", "https://api.stripe.com/v1", "ftp://x"])
def test_a_bad_stripe_api_base_is_named(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    """A Stripe base without a scheme, or ending in /v1, is refused naming the variable."""
    monkeypatch.setenv("CREATORBOT_STRIPE_API_BASE", value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert caught.value.variable == "CREATORBOT_STRIPE_API_BASE"
