"""The creator's side of an offer: the DM's Accept / Decline buttons, the variant menu and
the address modal.

Every button and the menu carry their claim in the custom_id, so they work after a restart.
An address the rules refuse is kept in this process's memory only (never logged, never
stored), so the creator can reopen the modal with what they typed.
"""

from __future__ import annotations

import logging
import re
from collections import OrderedDict
from typing import Any

import discord

from bot.domain.gifts import MAX_FIELD, GiftOffer, InvalidAddress
from bot.i18n import render
from bot.interactions import (
    PersistentButton,
    answer_error,
    lang,
    reply,
    services,
)

log = logging.getLogger(__name__)

MODAL_TITLE_LIMIT = 45
ADDRESS_FIELDS = ("name", "street", "postcode", "city", "country")
_MAX_DRAFTS = 1_000

# Addresses a creator typed that the rules refused, by (claim id, user id): kept in memory
# only, so "Edit address" reopens the modal with the values; dropped once accepted.
_drafts: OrderedDict[tuple[int, int], dict[str, str]] = OrderedDict()


def _keep_draft(claim_id: int, user_id: int, values: dict[str, str]) -> None:
    _drafts[(claim_id, user_id)] = values
    _drafts.move_to_end((claim_id, user_id))
    while len(_drafts) > _MAX_DRAFTS:
        _drafts.popitem(last=False)


def offer_view(claim_id: int, language: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(GiftButton("accept", claim_id, language))
    view.add_item(GiftButton("decline", claim_id, language))
    return view


_STYLES = {
    "accept": discord.ButtonStyle.success,
    "decline": discord.ButtonStyle.secondary,
    "reopen": discord.ButtonStyle.primary,
}


class GiftButton(
    PersistentButton,
    template=r"cb:gift:(?P<action>accept|decline|reopen):(?P<id>[0-9]{1,19})(?::(?P<v>[0-9]{1,2}))?",
):
    """Accept and Decline under an offer DM, and "Edit address" under a refused address."""

    def __init__(self, action: str, claim_id: int, language: str, variant: int = 0) -> None:
        custom_id = f"cb:gift:{action}:{claim_id}"
        if action == "reopen":
            custom_id += f":{variant}"
        super().__init__(
            discord.ui.Button(
                label=render(f"gifts.button_{action}", language),
                style=_STYLES[action],
                custom_id=custom_id,
            )
        )
        self.action = action
        self.claim_id = claim_id
        self.variant = variant

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> GiftButton:
        return cls(match["action"], int(match["id"]), lang(interaction), int(match["v"] or 0))

    async def press(self, interaction: discord.Interaction) -> None:
        svc = services(interaction)
        language = lang(interaction)
        user_id = interaction.user.id
        if self.action == "decline":
            offer = await svc.gifts.decline(self.claim_id, user_id)
            await reply(interaction, render("gifts.declined", language, product=offer.product))
            return
        offer, _claim = await svc.gifts.open_claim(self.claim_id, user_id)
        if self.action == "reopen":
            variant = offer.variants[min(self.variant, len(offer.variants) - 1)]
            draft = _drafts.get((self.claim_id, user_id), {})
            await interaction.response.send_modal(
                AddressModal(self.claim_id, variant, language, draft)
            )
            return
        view = discord.ui.View(timeout=None)
        view.add_item(VariantSelect(self.claim_id, offer, language))
        await reply(
            interaction,
            render("gifts.choose_variant", language, product=offer.product),
            view=view,
        )


class VariantSelect(
    discord.ui.DynamicItem[discord.ui.Select[discord.ui.View]],
    template=r"cb:gift:variant:(?P<id>[0-9]{1,19})",
):
    """The variants of an offer; choosing one opens the address modal."""

    def __init__(self, claim_id: int, offer: GiftOffer | None, language: str) -> None:
        options = [
            discord.SelectOption(label=v[:100], value=str(n))
            for n, v in enumerate(offer.variants if offer else ("-",))
        ]
        super().__init__(
            discord.ui.Select(
                custom_id=f"cb:gift:variant:{claim_id}",
                placeholder=render("gifts.variant_placeholder", language),
                options=options,
                min_values=1,
                max_values=1,
            )
        )
        self.claim_id = claim_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> VariantSelect:
        return cls(int(match["id"]), None, lang(interaction))

    async def callback(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        try:
            language = lang(interaction)
            offer, _claim = await services(interaction).gifts.open_claim(
                self.claim_id, interaction.user.id
            )
            index = int(self.item.values[0])
            variant = offer.variants[index]
            draft = _drafts.get((self.claim_id, interaction.user.id), {})
            await interaction.response.send_modal(
                AddressModal(self.claim_id, variant, language, draft, index)
            )
        except Exception as error:
            await answer_error(interaction, error, f"select {self.item.custom_id}")


class AddressModal(discord.ui.Modal):
    """The shipping address: name, street and number, postcode, city, country (ISO code)."""

    def __init__(
        self,
        claim_id: int,
        variant: str,
        language: str,
        values: dict[str, str],
        variant_index: int = 0,
    ) -> None:
        title = render("gifts.modal_title", language, variant=variant)
        super().__init__(
            title=title[:MODAL_TITLE_LIMIT], custom_id=f"cb:gift-address:{claim_id}", timeout=900
        )
        self.claim_id = claim_id
        self.variant = variant
        self.variant_index = variant_index
        self.fields: dict[str, discord.ui.TextInput[AddressModal]] = {}
        for name in ADDRESS_FIELDS:
            field: discord.ui.TextInput[AddressModal] = discord.ui.TextInput(
                label=render(f"gifts.field_{name}", language),
                custom_id=name,
                # One more than allowed, so an over-long value gets our answer, not Discord's.
                max_length=MAX_FIELD + 1 if name != "country" else 40,
                default=values.get(name) or None,
                placeholder=render("gifts.country_placeholder", language)
                if name == "country"
                else None,
            )
            self.fields[name] = field
            self.add_item(field)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        language = lang(interaction)
        values = {name: field.value for name, field in self.fields.items()}
        user_id = interaction.user.id
        try:
            accepted = await services(interaction).gifts.accept(
                self.claim_id, user_id, self.variant, **values
            )
        except InvalidAddress as bad:
            _keep_draft(self.claim_id, user_id, values)
            view = discord.ui.View(timeout=None)
            view.add_item(GiftButton("reopen", self.claim_id, language, self.variant_index))
            await reply(interaction, render(bad.key, language, **bad.params), view=view)
            return
        _drafts.pop((self.claim_id, user_id), None)
        await reply(
            interaction,
            render(
                "gifts.accepted",
                language,
                offer=accepted.offer,
                variant=accepted.claim.variant,
                masked=accepted.masked,
            ),
        )

    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:
        await answer_error(interaction, error, f"modal {self.custom_id}")
