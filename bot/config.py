"""Process configuration: environment variables, optionally a ``creatorbot.toml``.

Every variable of PRODUCT.md §2 is a field here, named by its environment variable. A missing
or invalid value becomes a :class:`~bot.errors.ConfigError` that names the variable, so the
command line can stop with one clear line. Secrets are ``SecretStr`` and never printed.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from bot.errors import ConfigError
from bot.shops.shopify import admin_base

CONFIG_FILE_VARIABLE = "CREATORBOT_CONFIG"
_HOSTNAME = re.compile(
    r"(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+"
)
DEFAULT_CONFIG_FILE = "creatorbot.toml"


def _var(name: str) -> Any:
    # The environment variable name is the field's only name, in upper or lower case
    # (the TOML file conventionally uses lower case).
    return AliasChoices(name, name.lower())


class Settings(BaseSettings):
    """Validated process settings. Field names are short; aliases are the variable names."""

    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore", populate_by_name=True)

    discord_token: SecretStr | None = Field(None, validation_alias=_var("DISCORD_TOKEN"))
    database_url: str = Field(
        "sqlite:///creatorbot.db", validation_alias=_var("CREATORBOT_DATABASE_URL")
    )
    public_url: str = Field("http://127.0.0.1:8080", validation_alias=_var("CREATORBOT_PUBLIC_URL"))
    http_host: str = Field("127.0.0.1", validation_alias=_var("CREATORBOT_HTTP_HOST"))
    http_port: int = Field(8080, ge=0, le=65535, validation_alias=_var("CREATORBOT_HTTP_PORT"))
    shopify_secret: SecretStr | None = Field(
        None, validation_alias=_var("CREATORBOT_SHOPIFY_SECRET")
    )
    woocommerce_secret: SecretStr | None = Field(
        None, validation_alias=_var("CREATORBOT_WOOCOMMERCE_SECRET")
    )
    stripe_secret: SecretStr | None = Field(None, validation_alias=_var("CREATORBOT_STRIPE_SECRET"))
    woocommerce_url: str | None = Field(None, validation_alias=_var("CREATORBOT_WOOCOMMERCE_URL"))
    woocommerce_consumer_key: SecretStr | None = Field(
        None, validation_alias=_var("CREATORBOT_WOOCOMMERCE_CONSUMER_KEY")
    )
    woocommerce_consumer_secret: SecretStr | None = Field(
        None, validation_alias=_var("CREATORBOT_WOOCOMMERCE_CONSUMER_SECRET")
    )
    shopify_store: str | None = Field(None, validation_alias=_var("CREATORBOT_SHOPIFY_STORE"))
    shopify_admin_token: SecretStr | None = Field(
        None, validation_alias=_var("CREATORBOT_SHOPIFY_ADMIN_TOKEN")
    )
    stripe_api_key: SecretStr | None = Field(
        None, validation_alias=_var("CREATORBOT_STRIPE_API_KEY")
    )
    stripe_api_base: str = Field(
        "https://api.stripe.com", validation_alias=_var("CREATORBOT_STRIPE_API_BASE")
    )
    # The key of the customer hashes (returning customers); made and kept in the database
    # when unset. Changing it forgets which creator brought which customer.
    customer_key: SecretStr | None = Field(None, validation_alias=_var("CREATORBOT_CUSTOMER_KEY"))
    postback_token: SecretStr | None = Field(
        None, validation_alias=_var("CREATORBOT_POSTBACK_TOKEN")
    )
    discord_api_base: str | None = Field(None, validation_alias=_var("DISCORD_API_BASE"))
    discord_gateway_url: str | None = Field(None, validation_alias=_var("DISCORD_GATEWAY_URL"))
    sweep_seconds: int = Field(
        60, ge=1, le=86_400, validation_alias=_var("CREATORBOT_SWEEP_SECONDS")
    )
    log_level: str = Field("INFO", validation_alias=_var("CREATORBOT_LOG_LEVEL"))

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_path = Path(os.environ.get(CONFIG_FILE_VARIABLE, DEFAULT_CONFIG_FILE))
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if toml_path.is_file():
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=toml_path))
        return tuple(sources)

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if value.startswith("postgresql://"):
            raise ValueError("PostgreSQL is not supported yet; use sqlite:///path")
        if not value.startswith("sqlite:///") or value == "sqlite:///":
            raise ValueError("expected sqlite:///path/to/file.db")
        return value

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("expected an http(s) URL such as https://go.brand.example")
        if parts.query or parts.fragment:
            raise ValueError("must not contain a query or fragment")
        return value.rstrip("/")

    @field_validator("discord_api_base")
    @classmethod
    def _api_base(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("expected an http(s) URL ending in the API version, e.g. /api/v10")
        return value.rstrip("/")

    @field_validator("woocommerce_url")
    @classmethod
    def _woocommerce_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("expected the shop's address, e.g. https://shop.example.com")
        if parts.query or parts.fragment:
            raise ValueError("must not contain a query or fragment")
        return value.strip().rstrip("/")

    @property
    def woocommerce_api(self) -> tuple[str, str, str] | None:
        """The WooCommerce REST API's address, consumer key and secret, when all are set."""
        key, secret = self.woocommerce_consumer_key, self.woocommerce_consumer_secret
        if self.woocommerce_url is None or key is None or secret is None:
            return None
        if not key.get_secret_value().strip() or not secret.get_secret_value().strip():
            return None
        return (
            self.woocommerce_url,
            key.get_secret_value().strip(),
            secret.get_secret_value().strip(),
        )

    @field_validator("shopify_store")
    @classmethod
    def _shopify_store(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip().rstrip("/")
        if "://" in value:
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError("expected the store's domain, e.g. brand.myshopify.com")
            if parts.path or parts.query or parts.fragment:
                raise ValueError("must be the store's address only, without a path")
            return value
        if not _HOSTNAME.fullmatch(value):
            raise ValueError("expected the store's domain, e.g. brand.myshopify.com")
        return value.lower()

    @property
    def shopify_admin(self) -> tuple[str, str] | None:
        """The Shopify Admin API's base address and access token, when both are set. A bare
        domain means ``https://<domain>``; an address with a scheme is used as it is."""
        token = self.shopify_admin_token
        if self.shopify_store is None or token is None or not token.get_secret_value().strip():
            return None
        return admin_base(self.shopify_store), token.get_secret_value().strip()

    @field_validator("stripe_api_base")
    @classmethod
    def _stripe_api_base(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("expected an http(s) URL such as https://api.stripe.com")
        if parts.query or parts.fragment:
            raise ValueError("must not contain a query or fragment")
        if parts.path.rstrip("/").endswith("/v1"):
            raise ValueError("leave out /v1: e.g. https://api.stripe.com")
        return value.strip().rstrip("/")

    @property
    def stripe_api(self) -> tuple[str, str] | None:
        """The Stripe API's base and secret (or restricted) key, when a key is set."""
        key = self.stripe_api_key
        if key is None or not key.get_secret_value().strip():
            return None
        return self.stripe_api_base, key.get_secret_value().strip()

    @field_validator("discord_gateway_url")
    @classmethod
    def _gateway(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("ws", "wss") or not parts.netloc:
            raise ValueError("expected a ws:// or wss:// URL")
        return value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        level = value.upper()
        if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ValueError("expected DEBUG, INFO, WARNING or ERROR")
        return level

    @property
    def database_path(self) -> str:
        """The SQLite file path of ``database_url``."""
        return self.database_url.removeprefix("sqlite:///")

    def require_token(self) -> str:
        """The bot token, or a ConfigError naming ``DISCORD_TOKEN``."""
        if self.discord_token is None or not self.discord_token.get_secret_value().strip():
            raise ConfigError(
                "DISCORD_TOKEN",
                "is not set; create a bot at https://discord.com/developers/applications "
                "and export its token (or try `creatorbot demo`, which needs none)",
            )
        return self.discord_token.get_secret_value().strip()


_FIELD_TO_VARIABLE = {
    name: field.validation_alias.choices[0]  # type: ignore[union-attr]
    for name, field in Settings.model_fields.items()
}


def load_settings(**overrides: Any) -> Settings:
    """Read and validate the settings, raising :class:`ConfigError` on the first problem."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = str(error["loc"][0]) if error["loc"] else "configuration"
        variable = _FIELD_TO_VARIABLE.get(loc, loc.upper())
        message = str(error["msg"]).removeprefix("Value error, ")
        raise ConfigError(variable, message) from None
