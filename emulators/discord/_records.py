"""Records of what the bot did against the emulator (messages, role changes, requests)."""

from __future__ import annotations

import datetime as dt
import mimetypes
from dataclasses import dataclass, field
from typing import Any

from ._constants import MessageFlag
from ._state import iso, utcnow

__all__ = ["Attachment", "Message", "RecordedRequest", "RoleChange", "Violation"]


@dataclass(eq=False)
class Attachment:
    """A file attached to a message (or passed to an ATTACHMENT command option).

    Tests create one with ``Attachment("proof.png", b"...")``; the emulator
    fills in ``id`` and ``url`` when it stores the file.
    """

    filename: str
    content: bytes = b""
    content_type: str | None = None
    id: int = 0
    url: str = ""
    description: str | None = None
    ephemeral: bool = False

    def __post_init__(self) -> None:
        if self.content_type is None or self.content_type == "application/octet-stream":
            guessed, _ = mimetypes.guess_type(self.filename)
            self.content_type = guessed or self.content_type or "application/octet-stream"

    @property
    def size(self) -> int:
        return len(self.content)

    def to_payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "id": str(self.id),
            "filename": self.filename,
            "size": self.size,
            "url": self.url,
            "proxy_url": self.url,
            "content_type": self.content_type,
        }
        if self.description is not None:
            payload["description"] = self.description
        if self.ephemeral:
            payload["ephemeral"] = True
        return payload


@dataclass(eq=False)
class Message:
    """A message stored by the emulator (sent by the bot, or injected by a test)."""

    id: int
    channel_id: int
    content: str = ""
    embeds: list[dict[str, Any]] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    allowed_mentions: dict[str, Any] | None = None
    flags: int = 0
    author_id: int = 0
    created_at: dt.datetime = field(default_factory=utcnow)
    guild_id: int | None = None
    edited_at: dt.datetime | None = None
    deleted: bool = False
    type: int = 0
    tts: bool = False
    message_reference: dict[str, Any] | None = None
    interaction_id: int | None = None
    webhook_id: int | None = None
    edits: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & MessageFlag.EPHEMERAL)

    @property
    def loading(self) -> bool:
        """True while this is a deferred "thinking…" response nobody edited yet."""
        return bool(self.flags & MessageFlag.LOADING)

    def iter_components(self) -> list[dict[str, Any]]:
        """All components, flattened (action rows, containers and sections are walked)."""
        out: list[dict[str, Any]] = []

        def walk(items: list[dict[str, Any]]) -> None:
            for item in items:
                out.append(item)
                walk(item.get("components") or [])
                if isinstance(item.get("accessory"), dict):
                    walk([item["accessory"]])
                if isinstance(item.get("component"), dict):
                    walk([item["component"]])

        walk(self.components)
        return out

    @property
    def buttons(self) -> list[dict[str, Any]]:
        """All button components of the message."""
        return [c for c in self.iter_components() if c.get("type") == 2]

    def to_payload(self, author: dict[str, Any]) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "id": str(self.id),
            "channel_id": str(self.channel_id),
            "type": self.type,
            "author": author,
            "content": self.content,
            "embeds": [_normalise_embed(e) for e in self.embeds],
            "components": self.components,
            "attachments": [a.to_payload() for a in self.attachments],
            "mentions": [],
            "mention_roles": [],
            "mention_everyone": False,
            "pinned": False,
            "tts": self.tts,
            "timestamp": iso(self.created_at),
            "edited_timestamp": iso(self.edited_at),
            "flags": self.flags,
        }
        if self.guild_id is not None:
            payload["guild_id"] = str(self.guild_id)
        if self.webhook_id is not None:
            payload["webhook_id"] = str(self.webhook_id)
            payload["application_id"] = str(self.webhook_id)
        if self.message_reference is not None:
            payload["message_reference"] = self.message_reference
        return payload


def _normalise_embed(embed: dict[str, Any]) -> dict[str, Any]:
    out = dict(embed)
    out.setdefault("type", "rich")
    return out


@dataclass(eq=False)
class RoleChange:
    """A role the bot added to (``added=True``) or removed from a member."""

    guild_id: int
    user_id: int
    role_id: int
    added: bool
    reason: str | None = None


@dataclass(eq=False)
class RecordedRequest:
    """One REST request the bot made, with the status the emulator answered."""

    method: str
    path: str
    status: int
    query: str = ""
    body: Any = None

    def __repr__(self) -> str:
        return f"<{self.method} {self.path} -> {self.status}>"


@dataclass(eq=False)
class Violation:
    """A Discord limit or rule the bot broke (the request was refused)."""

    kind: str
    message: str
    method: str = ""
    path: str = ""
    errors: dict[str, Any] | None = None

    def __str__(self) -> str:
        where = f" [{self.method} {self.path}]" if self.method else ""
        return f"{self.kind}: {self.message}{where}"
