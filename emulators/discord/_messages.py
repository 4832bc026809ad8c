"""The emulator's message store: creating, editing and deleting messages and their attachments,
and the gateway payloads that announce them (mentions, interaction metadata, intents)."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from ._constants import Intent, InteractionType, MessageFlag
from ._limits import validate_message
from ._records import Attachment, Message, RoleChange
from ._state import utcnow

if TYPE_CHECKING:
    from ._driver import InteractionDriver
    from ._gateway import Gateway
    from ._interactions import Interaction
    from ._state import Channel, Guild, Member, SnowflakeGenerator, User

log = logging.getLogger(__name__)

__all__ = ["MessageStore"]

_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")


class MessageStore:
    """Message bookkeeping, mixed into :class:`~emulators.discord.DiscordEmulator`."""

    # Set by DiscordEmulator.__init__.
    application_id: int
    bot_user: User
    role_changes: list[RoleChange]
    _snowflakes: SnowflakeGenerator
    _users: dict[int, User]
    _guilds: dict[int, Guild]
    _channels: dict[int, Channel]
    _messages: dict[int, Message]
    _channel_messages: dict[int, list[Message]]
    _attachments: dict[int, Attachment]
    _gateway: Gateway
    _driver: InteractionDriver

    if TYPE_CHECKING:

        @property
        def base_url(self) -> str: ...

        def user(self, user_id: int | User) -> User: ...

    def _store_attachment(self, attachment: Attachment, *, channel_id: int) -> Attachment:
        attachment.id = self._snowflakes.next()
        attachment.url = (
            f"{self.base_url}/attachments/{channel_id}/{attachment.id}/{attachment.filename}"
        )
        self._attachments[attachment.id] = attachment
        return attachment

    def _create_message(
        self,
        channel_id: int,
        payload: dict[str, Any],
        files: list[tuple[int, Attachment]],
        *,
        flags: int = 0,
        interaction: Interaction | None = None,
        followup: bool = False,
        author_id: int | None = None,
    ) -> Message:
        channel = self._channels[channel_id]
        message = Message(
            id=self._snowflakes.next(),
            channel_id=channel_id,
            guild_id=channel.guild_id,
            content=payload.get("content") or "",
            embeds=list(payload.get("embeds") or []),
            components=list(payload.get("components") or []),
            allowed_mentions=payload.get("allowed_mentions"),
            flags=flags,
            author_id=author_id if author_id is not None else self.bot_user.id,
            tts=bool(payload.get("tts")),
            message_reference=payload.get("message_reference"),
        )
        if interaction is not None:
            message.interaction_id = interaction.id
            message.webhook_id = self.application_id
            if interaction.type == InteractionType.APPLICATION_COMMAND and not followup:
                message.type = 20
        for index, attachment in sorted(files, key=lambda item: item[0]):
            described = _attachment_entry(payload, index)
            if described is not None:
                attachment.description = described.get("description")
                attachment.filename = described.get("filename") or attachment.filename
            attachment.ephemeral = message.ephemeral
            message.attachments.append(self._store_attachment(attachment, channel_id=channel_id))
        self._messages[message.id] = message
        self._channel_messages.setdefault(channel_id, []).append(message)
        if not message.ephemeral:
            channel.last_message_id = message.id
            self._dispatch_message("MESSAGE_CREATE", message)
        return message

    def _validate_edit(
        self, message: Message, payload: dict[str, Any], files: list[tuple[int, Attachment]]
    ) -> None:
        kept = 0
        if "attachments" in payload:
            existing = {a.id for a in message.attachments}
            kept = sum(
                1 for a in payload.get("attachments") or [] if int(a.get("id", -1)) in existing
            )
        validate_message(
            payload,
            n_files=len(files),
            n_kept_attachments=kept,
            existing={
                "content": message.content,
                "embeds": message.embeds,
                "components": message.components,
                "attachments": message.attachments,
                "flags": message.flags,
            },
        )

    def _edit_message(
        self, message: Message, payload: dict[str, Any], files: list[tuple[int, Attachment]]
    ) -> Message:
        message.edits.append(
            {"content": message.content, "embeds": message.embeds, "components": message.components}
        )
        if "content" in payload:
            message.content = payload["content"] or ""
        if "embeds" in payload:
            message.embeds = list(payload["embeds"] or [])
        if "components" in payload:
            message.components = list(payload["components"] or [])
        if "allowed_mentions" in payload:
            message.allowed_mentions = payload["allowed_mentions"]
        if "flags" in payload and payload["flags"] is not None:
            mutable = MessageFlag.IS_COMPONENTS_V2 | (1 << 2)  # SUPPRESS_EMBEDS
            message.flags = (message.flags & ~mutable) | (int(payload["flags"]) & mutable)
        by_index = dict(files)
        if "attachments" in payload and payload["attachments"] is not None:
            existing = {a.id: a for a in message.attachments}
            new_list: list[Attachment] = []
            used: set[int] = set()
            for entry in payload["attachments"]:
                entry_id = int(entry.get("id", -1))
                if entry_id in existing:
                    new_list.append(existing[entry_id])
                elif entry_id in by_index:
                    used.add(entry_id)
                    new_list.append(self._prepare_upload(message, by_index[entry_id], entry))
            for index, attachment in sorted(by_index.items()):
                if index not in used:
                    new_list.append(self._prepare_upload(message, attachment, None))
            message.attachments = new_list
        else:
            for _, attachment in sorted(by_index.items()):
                message.attachments.append(self._prepare_upload(message, attachment, None))
        message.flags &= ~MessageFlag.LOADING
        message.edited_at = utcnow()
        if not message.ephemeral:
            self._dispatch_message("MESSAGE_UPDATE", message)
        return message

    def _prepare_upload(
        self, message: Message, attachment: Attachment, entry: dict[str, Any] | None
    ) -> Attachment:
        if entry is not None:
            attachment.filename = entry.get("filename") or attachment.filename
            attachment.description = entry.get("description")
        attachment.ephemeral = message.ephemeral
        return self._store_attachment(attachment, channel_id=message.channel_id)

    def _delete_message(self, message: Message) -> None:
        message.deleted = True
        if message.ephemeral:
            return
        payload: dict[str, Any] = {"id": str(message.id), "channel_id": str(message.channel_id)}
        if message.guild_id is not None:
            payload["guild_id"] = str(message.guild_id)
        intent = Intent.GUILD_MESSAGES if message.guild_id else Intent.DIRECT_MESSAGES
        self._gateway.dispatch("MESSAGE_DELETE", payload, intent=intent)

    def _dispatch_message(self, event: str, message: Message) -> None:
        intent = Intent.GUILD_MESSAGES if message.guild_id else Intent.DIRECT_MESSAGES
        full = self._message_payload(message)
        for session in list(self._gateway.sessions.values()):
            if not session.resumable or not session.wants(intent):
                continue
            payload = full
            if (
                message.author_id != self.bot_user.id
                and message.guild_id is not None
                and not session.wants(Intent.MESSAGE_CONTENT)
                and self.bot_user.id not in {int(u["id"]) for u in full["mentions"]}
            ):
                payload = {**full, "content": "", "embeds": [], "attachments": [], "components": []}
            session.dispatch(event, payload)

    def _message_payload(self, message: Message) -> dict[str, Any]:
        author = self._users.get(message.author_id) or self.bot_user
        payload = message.to_payload(author.to_payload())
        guild = self._guilds.get(message.guild_id) if message.guild_id else None
        mentions = []
        for raw in dict.fromkeys(_USER_MENTION.findall(message.content)):
            user = self._users.get(int(raw))
            if user is None:
                continue
            entry = user.to_payload()
            if guild is not None and user.id in guild.members:
                entry["member"] = guild.members[user.id].to_payload(with_user=False)
            mentions.append(entry)
        payload["mentions"] = mentions
        if guild is not None:
            payload["mention_roles"] = [
                r
                for r in dict.fromkeys(_ROLE_MENTION.findall(message.content))
                if int(r) in guild.roles
            ]
            member = guild.members.get(message.author_id)
            if member is not None:
                payload["member"] = member.to_payload(with_user=False)
        it = self._driver.by_id.get(message.interaction_id) if message.interaction_id else None
        if it is not None:
            user_payload = self.user(it.user_id).to_payload()
            metadata: dict[str, Any] = {
                "id": str(it.id),
                "type": it.type,
                "user": user_payload,
                "authorizing_integration_owners": it.payload.get(
                    "authorizing_integration_owners", {}
                ),
            }
            if it.message is not None and it.message.id != message.id:
                metadata["original_response_message_id"] = str(it.message.id)
            if it.source_message is not None:
                metadata["interacted_message_id"] = str(it.source_message.id)
            payload["interaction_metadata"] = metadata
            payload["interaction"] = {
                "id": str(it.id),
                "type": it.type,
                "name": it.name or "",
                "user": user_payload,
            }
        return payload

    def _apply_role_change(
        self, guild: Guild, member: Member, role_id: int, added: bool, reason: str | None
    ) -> None:
        if added:
            member.roles.append(role_id)
        else:
            member.roles.remove(role_id)
        self.role_changes.append(RoleChange(guild.id, member.id, role_id, added, reason))
        log.info(
            "emulator: bot %s role %s %s member %s",
            "added" if added else "removed",
            guild.roles[role_id].name,
            "to" if added else "from",
            member.name,
        )


def _attachment_entry(payload: dict[str, Any], index: int) -> dict[str, Any] | None:
    for entry in payload.get("attachments") or []:
        try:
            if int(entry.get("id", -1)) == index:
                return entry
        except (TypeError, ValueError):
            continue
    return None
