"""The creator's side of an offer: the DM's Accept / Decline buttons, the variant menu, the
address modal and, when the offer asks for one, the phone number modal (a modal holds five
fields, and the address fills them).

Every button and the menu carry their claim in the custom_id, so they work after a restart.
An address the rules refuse, or one waiting for its phone number, is kept in this process's
memory only (never logged, never stored), so the creator can reopen the modal with what they
typed; after a restart they are asked for it again.
"""

from __future__ import annotations

import logging
import re
from collections import OrderedDict
from typing import Any

import discord

from bot.domain.gifts import MAX_FIELD, MAX_PHONE, GiftOffer, InvalidAddress, check_address
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

# Addresses a creator typed that the rules refused or that wait for the phone step, by
# (claim id, user id): kept in memory only, so "Edit address" reopens the modal with the
# values; dropped once accepted.
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
    "phone": discord.ButtonStyle.primary,
}


class GiftButton(
    PersistentButton,
    template=(
        r"cb:gift:(?P<action>accept|decline|reopen|phone):(?P<id>[0-9]{1,19})"
        r"(?::(?P<v>[0-9]{1,2}))?"
    ),
):
    """Accept and Decline under an offer DM, "Edit address" under a refused address, and
    "Add phone number" after the address of an offer that asks for one."""

    def __init__(self, action: str, claim_id: int, language: str, variant: int = 0) -> None:
        custom_id = f"cb:gift:{action}:{claim_id}"
        if action in ("reopen", "phone"):
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
        if self.action in ("reopen", "phone"):
            variant = offer.variants[min(self.variant, len(offer.variants) - 1)]
            draft = _drafts.get((self.claim_id, user_id), {})
            if self.action == "phone" and not draft:
                # The address lived in a process that has stopped since: ask for it again.
                view = discord.ui.View(timeout=None)
                view.add_item(GiftButton("reopen", self.claim_id, language, self.variant))
                await reply(interaction, render("gifts.address_lost", language), view=view)
                return
            modal_class = PhoneModal if self.action == "phone" else AddressModal
            await interaction.response.send_modal(
                modal_class(self.claim_id, variant, language, draft, self.variant)
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
        user_id = interaction.user.id
        draft = _drafts.get((self.claim_id, user_id), {})
        values = {name: field.value for name, field in self.fields.items()}
        offer, _claim = await services(interaction).gifts.open_claim(self.claim_id, user_id)
        if offer.phone_required:
            # Five fields fill a modal: the phone number is a second step. The address is
            # checked now and kept in memory only until then.
            values["phone"] = draft.get("phone", "")
            try:
                check_address(**{k: v for k, v in values.items() if k != "phone"})
            except InvalidAddress as bad:
                await _refused(interaction, self, values, bad, language)
                return
            _keep_draft(self.claim_id, user_id, values)
            view = discord.ui.View(timeout=None)
            view.add_item(GiftButton("phone", self.claim_id, language, self.variant_index))
            await reply(interaction, render("gifts.phone_step", language), view=view)
            return
        await _finish(interaction, self, values, language)

    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:
        await answer_error(interaction, error, f"modal {self.custom_id}")


class PhoneModal(discord.ui.Modal):
    """The second step of an offer that asks for a phone number (the courier's)."""

    def __init__(
        self,
        claim_id: int,
        variant: str,
        language: str,
        values: dict[str, str],
        variant_index: int = 0,
    ) -> None:
        title = render("gifts.phone_title", language, variant=variant)
        super().__init__(
            title=title[:MODAL_TITLE_LIMIT], custom_id=f"cb:gift-phone:{claim_id}", timeout=900
        )
        self.claim_id = claim_id
        self.variant = variant
        self.variant_index = variant_index
        self.phone: discord.ui.TextInput[PhoneModal] = discord.ui.TextInput(
            label=render("gifts.field_phone", language),
            custom_id="phone",
            max_length=MAX_PHONE + 1,
            default=values.get("phone") or None,
            placeholder="+31 6 12345678",
        )
        self.add_item(self.phone)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        language = lang(interaction)
        draft = _drafts.get((self.claim_id, interaction.user.id))
        if not draft:
            view = discord.ui.View(timeout=None)
            view.add_item(GiftButton("reopen", self.claim_id, language, self.variant_index))
            await reply(interaction, render("gifts.address_lost", language), view=view)
            return
        await _finish(interaction, self, {**draft, "phone": self.phone.value}, language)

    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:
        await answer_error(interaction, error, f"modal {self.custom_id}")


async def _refused(
    interaction: discord.Interaction,
    modal: AddressModal | PhoneModal,
    values: dict[str, str],
    bad: InvalidAddress,
    language: str,
) -> None:
    """A refused address (or number): kept in memory, and a button to correct it with what
    was typed (the phone step again when only the number was wrong)."""
    _keep_draft(modal.claim_id, interaction.user.id, values)
    action = "phone" if set(bad.problems) == {"phone"} else "reopen"
    view = discord.ui.View(timeout=None)
    view.add_item(GiftButton(action, modal.claim_id, language, modal.variant_index))
    await reply(interaction, render(bad.key, language, **bad.params, step=action), view=view)


async def _finish(
    interaction: discord.Interaction,
    modal: AddressModal | PhoneModal,
    values: dict[str, str],
    language: str,
) -> None:
    """Accept with the address (and number): the creator's gift, or why not."""
    user_id = interaction.user.id
    try:
        accepted = await services(interaction).gifts.accept(
            modal.claim_id, user_id, modal.variant, **values
        )
    except InvalidAddress as bad:
        await _refused(interaction, modal, values, bad, language)
        return
    _drafts.pop((modal.claim_id, user_id), None)
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
