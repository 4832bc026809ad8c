"""Interaction callback and interaction-webhook routes (followups, @original edits)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from ._constants import InteractionType, MessageFlag, ResponseType
from ._errors import ApiError, form_error
from ._http import Reply, RequestContext
from ._limits import validate_autocomplete_choices, validate_message, validate_modal
from ._records import Message

if TYPE_CHECKING:
    from ._emulator import DiscordEmulator
    from ._http import Router
    from ._interactions import Interaction

log = logging.getLogger(__name__)

__all__ = ["register_webhook_routes"]

# Response types Discord accepts for each interaction type.
_ALLOWED_RESPONSES = {
    InteractionType.APPLICATION_COMMAND: {4, 5, 9},
    InteractionType.MESSAGE_COMPONENT: {4, 5, 6, 7, 9},
    InteractionType.AUTOCOMPLETE: {8},
    InteractionType.MODAL_SUBMIT: {4, 5, 6, 7},
}


def _invalid_response_type(rtype: Any, kind: int) -> ApiError:
    return form_error(
        ("type",),
        "INTERACTION_RESPONSE_TYPE_INVALID",
        f"Interaction response type {rtype} is not valid for interaction type {kind}",
        violation="invalid_response_type",
    )


def register_webhook_routes(router: Router, emu: DiscordEmulator) -> None:
    """Add the interaction callback and webhook routes to ``router`` (they need no bot token)."""
    handlers = _WebhookHandlers(emu)
    router.add(
        "POST", "/interactions/{interaction_id}/{token}/callback", handlers.callback, auth=False
    )
    router.add("POST", "/webhooks/{webhook_id}/{token}", handlers.followup, auth=False)
    for method, handler in (
        ("GET", handlers.get_message),
        ("PATCH", handlers.edit_message),
        ("DELETE", handlers.delete_message),
    ):
        router.add(
            method, "/webhooks/{webhook_id}/{token}/messages/{message_id}", handler, auth=False
        )


class _WebhookHandlers:
    def __init__(self, emu: DiscordEmulator) -> None:
        self.emu = emu

    # ----------------------------------------------------------------- callback
    async def callback(self, ctx: RequestContext) -> Reply:
        emu = self.emu
        it = emu._driver.by_id.get(ctx.snowflake("interaction_id"))
        if it is None or it.token != ctx.params["token"]:
            raise ApiError(404, 10062, "Unknown interaction")
        payload, files = await ctx.body()
        if not isinstance(payload, dict):
            raise form_error(("type",), "BASE_TYPE_REQUIRED", "This field is required")
        rtype = payload.get("type")
        data = payload.get("data") or {}
        if it.response_type is not None:
            raise ApiError(
                400,
                40060,
                "Interaction has already been acknowledged.",
                violation="already_acknowledged",
            )
        if it.ack_deadline_passed():
            it.error = "deadline"
            it._notify(settled=True)
            log.warning("emulator: %r answered after the 3 s deadline", it)
            raise ApiError(404, 10062, "Unknown interaction", violation="deadline")
        if rtype not in _ALLOWED_RESPONSES.get(it.type, set()):
            raise _invalid_response_type(rtype, it.type)
        if (
            rtype in (ResponseType.DEFERRED_UPDATE_MESSAGE, ResponseType.UPDATE_MESSAGE)
            and it.source_message is None
        ):
            raise _invalid_response_type(rtype, it.type)

        message: Message | None = None
        if rtype == ResponseType.CHANNEL_MESSAGE_WITH_SOURCE:
            validate_message(data, n_files=len(files))
            message = emu._create_message(
                it.channel_id, data, files, interaction=it, flags=data.get("flags") or 0
            )
        elif rtype == ResponseType.DEFERRED_CHANNEL_MESSAGE:
            flags = ((data.get("flags") or 0) & MessageFlag.EPHEMERAL) | MessageFlag.LOADING
            message = emu._create_message(it.channel_id, {}, [], interaction=it, flags=flags)
        elif rtype == ResponseType.DEFERRED_UPDATE_MESSAGE:
            message = it.source_message
        elif rtype == ResponseType.UPDATE_MESSAGE:
            assert it.source_message is not None
            emu._validate_edit(it.source_message, data, files)
            message = emu._edit_message(it.source_message, data, files)
        elif rtype == ResponseType.AUTOCOMPLETE_RESULT:
            it.choices = validate_autocomplete_choices(data)
        elif rtype == ResponseType.MODAL:
            validate_modal(data)
            it.modal = {
                "custom_id": data["custom_id"],
                "title": data["title"],
                "components": data["components"],
            }
        it.response_type = rtype
        it.response = data
        it.message = message
        it._notify(settled=True)
        log.debug("emulator: %r acknowledged with type %s", it, rtype)
        return Reply(200, self._callback_body(it, rtype, message))

    def _callback_body(
        self, it: Interaction, rtype: int, message: Message | None
    ) -> dict[str, Any]:
        info: dict[str, Any] = {"id": str(it.id), "type": it.type}
        if message is not None:
            info.update(
                {
                    "response_message_id": str(message.id),
                    "response_message_loading": message.loading,
                    "response_message_ephemeral": message.ephemeral,
                }
            )
        resource: dict[str, Any] = {"type": rtype}
        if message is not None:
            resource["message"] = self.emu._message_payload(message)
        return {"interaction": info, "resource": resource}

    # ----------------------------------------------------------------- webhooks
    def _interaction(self, ctx: RequestContext) -> Interaction:
        emu = self.emu
        it = emu._driver.by_token.get(ctx.params["token"])
        if it is None or ctx.params["webhook_id"] != str(emu.application_id):
            raise ApiError(404, 10015, "Unknown Webhook")
        if it.token_expired():
            raise ApiError(401, 50027, "Invalid Webhook Token", violation="token_expired")
        if it.response_type is None:
            # Discord only creates the webhook once the interaction was acknowledged.
            raise ApiError(404, 10015, "Unknown Webhook", violation="followup_before_response")
        return it

    def _target(self, it: Interaction, raw_id: str) -> Message:
        if raw_id == "@original":
            if it.message is None or it.message.deleted:
                raise ApiError(404, 10008, "Unknown Message")
            return it.message
        if not raw_id.isdigit():
            raise ApiError(404, 10008, "Unknown Message")
        candidates = [*it.followups, *([it.message] if it.message else [])]
        for message in candidates:
            if message.id == int(raw_id) and not message.deleted:
                return message
        raise ApiError(404, 10008, "Unknown Message")

    async def followup(self, ctx: RequestContext) -> Reply:
        it = self._interaction(ctx)
        payload, files = await ctx.body()
        payload = payload or {}
        validate_message(payload, n_files=len(files))
        original = it.message
        if (
            original is not None
            and original.loading
            and it.response_type == ResponseType.DEFERRED_CHANNEL_MESSAGE
        ):
            # The first followup after a deferral replaces the "thinking…" message.
            edit = {k: v for k, v in payload.items() if k != "flags"}
            message = self.emu._edit_message(original, edit, files)
        else:
            message = self.emu._create_message(
                it.channel_id,
                payload,
                files,
                interaction=it,
                flags=payload.get("flags") or 0,
                followup=True,
            )
        it.followups.append(message)
        it._notify()
        if ctx.flag("wait"):
            return Reply(200, self.emu._message_payload(message))
        return Reply.empty()

    async def get_message(self, ctx: RequestContext) -> Reply:
        it = self._interaction(ctx)
        return Reply(200, self.emu._message_payload(self._target(it, ctx.params["message_id"])))

    async def edit_message(self, ctx: RequestContext) -> Reply:
        it = self._interaction(ctx)
        message = self._target(it, ctx.params["message_id"])
        payload, files = await ctx.body()
        payload = payload or {}
        self.emu._validate_edit(message, payload, files)
        self.emu._edit_message(message, payload, files)
        it._notify()
        return Reply(200, self.emu._message_payload(message))

    async def delete_message(self, ctx: RequestContext) -> Reply:
        it = self._interaction(ctx)
        message = self._target(it, ctx.params["message_id"])
        self.emu._delete_message(message)
        it._notify()
        return Reply.empty()
