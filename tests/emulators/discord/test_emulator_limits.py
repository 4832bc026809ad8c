"""Limit enforcement and protocol details, exercised with raw HTTP/websocket calls.

A plain ``discord.Client`` (no command tree) is connected so the emulator can
dispatch interactions; the tests then answer them with hand-written requests
to check the exact error shapes Discord uses.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import discord
import pytest

from emulators.discord import DiscordEmulator, FakeClock, Interaction

from .conftest import World, start_bot

ECHO = {
    "name": "echo",
    "description": "Echo text",
    "type": 1,
    "options": [{"name": "text", "description": "What to say", "type": 3, "required": False}],
}


class Api:
    """Tiny REST helper returning ``(status, json_or_none, headers)``."""

    def __init__(self, emu: DiscordEmulator, session: aiohttp.ClientSession) -> None:
        self.emu = emu
        self.session = session

    async def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        auth: bool = True,
        data: Any = None,
    ) -> tuple[int, Any, Any]:
        headers = {"Authorization": f"Bot {self.emu.token}"} if auth else {}
        kwargs: dict[str, Any] = {"headers": headers}
        if data is not None:
            kwargs["data"] = data
        elif body is not None:
            kwargs["json"] = body
        async with self.session.request(method, self.emu.api_base + path, **kwargs) as resp:
            raw = await resp.read()
            payload = json.loads(raw) if raw and resp.content_type == "application/json" else None
            return resp.status, payload, resp.headers

    async def callback(self, it: Interaction, rtype: int, data: Any = None) -> tuple[int, Any, Any]:
        body: dict[str, Any] = {"type": rtype}
        if data is not None:
            body["data"] = data
        return await self.call(
            "POST", f"/interactions/{it.id}/{it.token}/callback", body, auth=False
        )

    async def followup(self, it: Interaction, data: Any) -> tuple[int, Any, Any]:
        path = f"/webhooks/{self.emu.application_id}/{it.token}?wait=true"
        return await self.call("POST", path, data, auth=False)


@pytest.fixture
async def api(emu: DiscordEmulator, world: World) -> AsyncIterator[Api]:
    """A connected plain client, the echo command registered, and a raw HTTP helper."""
    client = discord.Client(intents=discord.Intents.default(), guild_ready_timeout=0.05)
    task = await start_bot(client, emu.token)
    async with aiohttp.ClientSession() as session:
        helper = Api(emu, session)
        status, _, _ = await helper.call(
            "PUT", f"/applications/{emu.application_id}/commands", [ECHO]
        )
        assert status == 200
        yield helper
    await client.close()
    await task


async def echo(emu: DiscordEmulator, world: World) -> Interaction:
    return await emu.invoke(
        world.anna.id, "echo", {"text": "hi"}, guild_id=world.guild.id, wait=False
    )


def error_paths(body: dict[str, Any], prefix: str = "") -> set[str]:
    """Flatten Discord's nested ``errors`` into ``a.0.b`` paths."""
    out: set[str] = set()
    for key, value in body.items():
        if key == "_errors":
            out.add(prefix)
        elif isinstance(value, dict):
            out |= error_paths(value, f"{prefix}.{key}" if prefix else key)
    return out


# ------------------------------------------------------------------ callbacks
async def test_callback_response_shape(emu: DiscordEmulator, world: World, api: Api):
    """The callback answers 200 application/json with {interaction, resource.message}."""
    it = await echo(emu, world)
    status, body, headers = await api.callback(it, 4, {"content": "hello", "flags": 64})
    assert status == 200 and headers["Content-Type"] == "application/json"
    assert body["interaction"]["id"] == str(it.id)
    assert body["interaction"]["response_message_ephemeral"] is True
    assert body["resource"]["type"] == 4 and body["resource"]["message"]["content"] == "hello"


async def test_second_callback_is_refused(emu: DiscordEmulator, world: World, api: Api):
    """A second callback gets 400 code 40060 (already acknowledged)."""
    it = await echo(emu, world)
    assert (await api.callback(it, 4, {"content": "one"}))[0] == 200
    status, body, _ = await api.callback(it, 4, {"content": "two"})
    assert (status, body["code"]) == (400, 40060)
    assert emu.violations[-1].kind == "already_acknowledged"


async def test_response_type_must_fit_interaction(emu: DiscordEmulator, world: World, api: Api):
    """UPDATE_MESSAGE/AUTOCOMPLETE_RESULT are invalid answers to a slash command."""
    it = await echo(emu, world)
    for rtype in (7, 8):
        status, body, _ = await api.callback(it, rtype, {"content": "x"})
        assert (status, body["code"]) == (400, 50035)
    assert (await api.callback(it, 5))[0] == 200


async def test_followup_rules_and_token_lifetime(
    emu: DiscordEmulator, world: World, api: Api, clock: FakeClock
):
    """Followups need an acknowledged interaction and a token younger than 15 minutes."""
    it = await echo(emu, world)
    status, body, _ = await api.followup(it, {"content": "too early"})
    assert (status, body["code"]) == (404, 10015)
    await api.callback(it, 4, {"content": "ok"})
    status, body, _ = await api.followup(it, {"content": "later"})
    assert status == 200 and body["content"] == "later"
    clock.advance(15 * 60 + 1)
    status, body, _ = await api.followup(it, {"content": "stale"})
    assert (status, body["code"]) == (401, 50027)
    path = f"/webhooks/{emu.application_id}/{it.token}/messages/@original"
    status, body, _ = await api.call("PATCH", path, {"content": "edit"}, auth=False)
    assert (status, body["code"]) == (401, 50027)


async def test_unanswered_interaction_reports_no_response(
    emu: DiscordEmulator, world: World, api: Api, clock: FakeClock
):
    """wait_response returns once the deadline passed without an answer (error no_response)."""
    it = await echo(emu, world)
    clock.advance(3.5)
    await it.wait_response(timeout=2)
    assert it.response_type is None and it.error == "no_response"


# ------------------------------------------------------------- message limits
async def test_empty_message_is_refused(emu: DiscordEmulator, world: World, api: Api):
    """A message without content, embeds, files or components is 400 code 50006."""
    it = await echo(emu, world)
    status, body, _ = await api.callback(it, 4, {"content": ""})
    assert (status, body["code"]) == (400, 50006)
    assert it.response_type is None  # a refused callback does not acknowledge


async def test_embed_limits(emu: DiscordEmulator, world: World, api: Api):
    """Embed count, per-field lengths and the 6000 character total are enforced."""
    channel = f"/channels/{world.guild.channel_named('general').id}/messages"
    status, body, _ = await api.call("POST", channel, {"embeds": [{"title": "t"}] * 11})
    assert status == 400 and "embeds" in error_paths(body["errors"])
    embed = {
        "title": "t" * 257,
        "fields": [{"name": "n", "value": "v" * 1025}] + [{"name": "n", "value": "v"}] * 25,
        "footer": {"text": "f" * 2049},
        "author": {"name": "a" * 257},
    }
    status, body, _ = await api.call("POST", channel, {"embeds": [embed]})
    assert body["code"] == 50035
    assert {
        "embeds.0.title",
        "embeds.0.fields",
        "embeds.0.fields.0.value",
        "embeds.0.footer.text",
        "embeds.0.author.name",
    } <= error_paths(body["errors"])
    big = {"description": "d" * 4000}
    status, body, _ = await api.call("POST", channel, {"embeds": [big, big]})
    assert body["errors"]["embeds"]["_errors"][0]["code"] == "MAX_EMBED_SIZE_EXCEEDED"
    status, body, _ = await api.call("POST", channel, {"embeds": [{"description": "d" * 4097}]})
    assert "embeds.0.description" in error_paths(body["errors"])
    assert emu.messages(world.guild.channel_named("general").id) == []


async def test_component_limits(emu: DiscordEmulator, world: World, api: Api):
    """Rows, buttons per row, custom_id/label lengths and select options are enforced."""
    channel = f"/channels/{world.guild.channel_named('general').id}/messages"

    def button(i: int, **extra: Any) -> dict[str, Any]:
        return {"type": 2, "style": 1, "label": f"b{i}", "custom_id": f"c{i}", **extra}

    rows = [{"type": 1, "components": [button(r * 10 + i) for i in range(1)]} for r in range(6)]
    status, body, _ = await api.call("POST", channel, {"content": "x", "components": rows})
    assert status == 400 and "components" in error_paths(body["errors"])
    wide = [{"type": 1, "components": [button(i) for i in range(6)]}]
    _, body, _ = await api.call("POST", channel, {"content": "x", "components": wide})
    assert "components.0.components" in error_paths(body["errors"])
    long = [{"type": 1, "components": [button(1, custom_id="c" * 101, label="l" * 81)]}]
    _, body, _ = await api.call("POST", channel, {"content": "x", "components": long})
    assert {
        "components.0.components.0.custom_id",
        "components.0.components.0.label",
    } <= error_paths(body["errors"])
    options = [{"label": f"o{i}", "value": f"v{i}"} for i in range(26)]
    select = [{"type": 1, "components": [{"type": 3, "custom_id": "s", "options": options}]}]
    _, body, _ = await api.call("POST", channel, {"content": "x", "components": select})
    assert "components.0.components.0.options" in error_paths(body["errors"])
    dupes = [{"type": 1, "components": [button(1), button(1)]}]
    _, body, _ = await api.call("POST", channel, {"content": "x", "components": dupes})
    assert body["code"] == 50035


async def test_modal_limits(emu: DiscordEmulator, world: World, api: Api):
    """Modal title, component count and text input label limits are enforced (both layouts)."""
    it = await echo(emu, world)

    def row(i: int, label: str = "Label") -> dict[str, Any]:
        text_input = {"type": 4, "custom_id": f"i{i}", "style": 1, "label": label}
        return {"type": 1, "components": [text_input]}

    bad = {"custom_id": "m", "title": "t" * 46, "components": [row(i) for i in range(6)]}
    status, body, _ = await api.callback(it, 9, bad)
    assert status == 400
    assert {"data.title", "data.components"} <= error_paths(body["errors"])
    label = {"type": 18, "label": "L" * 46, "component": {"type": 4, "custom_id": "x", "style": 2}}
    _, body, _ = await api.callback(it, 9, {"custom_id": "m", "title": "ok", "components": [label]})
    assert "data.components.0.label" in error_paths(body["errors"])
    _, body, _ = await api.callback(
        it, 9, {"custom_id": "m", "title": "ok", "components": [row(1, "L" * 46)]}
    )
    assert "data.components.0.components.0.label" in error_paths(body["errors"])
    status, _, _ = await api.callback(
        it, 9, {"custom_id": "m", "title": "ok", "components": [row(1)]}
    )
    assert status == 200 and it.modal is not None


async def test_autocomplete_limits(emu: DiscordEmulator, world: World, api: Api):
    """More than 25 choices, or a choice name over 100 characters, is refused."""
    await api.call(
        "PUT",
        f"/applications/{emu.application_id}/commands",
        [{**ECHO, "options": [{**ECHO["options"][0], "autocomplete": True}]}],
    )
    pending = asyncio.create_task(
        emu.autocomplete(world.anna.id, "echo", focused="text", guild_id=world.guild.id)
    )
    for _ in range(500):
        if emu.interactions and emu.interactions[-1].type == 4:
            break
        await asyncio.sleep(0.01)
    it = emu.interactions[-1]
    assert it.payload["data"]["options"] == [
        {"name": "text", "type": 3, "value": "", "focused": True}
    ]
    choices = [{"name": f"c{i}", "value": f"v{i}"} for i in range(26)]
    status, body, _ = await api.callback(it, 8, {"choices": choices})
    assert status == 400 and "data.choices" in error_paths(body["errors"])
    status, body, _ = await api.callback(it, 8, {"choices": [{"name": "n" * 101, "value": "v"}]})
    assert "data.choices.0.name" in error_paths(body["errors"])
    status, _, _ = await api.callback(it, 8, {"choices": [{"name": "ok", "value": "v"}]})
    assert status == 200
    assert await pending == [{"name": "ok", "value": "v"}]


async def test_upload_over_size_limit_is_413(emu: DiscordEmulator, world: World, api: Api):
    """Uploads larger than attachment_size_limit answer 413."""
    emu.attachment_size_limit = 1024
    form = aiohttp.FormData(quote_fields=False)
    form.add_field("payload_json", json.dumps({"content": "file"}))
    form.add_field(
        "files[0]", b"x" * 1025, filename="big.bin", content_type="application/octet-stream"
    )
    channel = world.guild.channel_named("general").id
    status, body, _ = await api.call("POST", f"/channels/{channel}/messages", data=form)
    assert (status, body["code"]) == (413, 40005)
    assert emu.violations[-1].kind == "attachment_too_large"


# --------------------------------------------------------- command registration
async def test_command_registration_validation(emu: DiscordEmulator, world: World, api: Api):
    """Names, option order, option/choice counts, duplicates and the 100 command cap are checked."""
    path = f"/applications/{emu.application_id}/commands"
    option = {"name": "o", "description": "d", "type": 3}
    cases = {
        "0.name": [{**ECHO, "name": "Echo"}],
        "0.options.1.required": [
            {
                **ECHO,
                "options": [{**option, "name": "a"}, {**option, "name": "b", "required": True}],
            }
        ],
        "0.options": [{**ECHO, "options": [{**option, "name": f"o{i}"} for i in range(26)]}],
        "0.options.0.choices": [
            {
                **ECHO,
                "options": [
                    {**option, "choices": [{"name": f"c{i}", "value": "v"} for i in range(26)]}
                ],
            }
        ],
        "1.name": [ECHO, ECHO],
        "0.name_localizations.de": [{**ECHO, "name_localizations": {"de": "x" * 33}}],
        "": [{**ECHO, "name": f"c{i}"} for i in range(101)],
    }
    for where, payload in cases.items():
        status, body, _ = await api.call("PUT", path, payload)
        assert (status, body["code"]) == (400, 50035), where
        assert where in error_paths(body["errors"]), (where, body["errors"])
    assert [c["name"] for c in emu.commands()] == ["echo"]  # refused PUTs change nothing


# ----------------------------------------------------------------- protocol
async def test_rest_auth_and_ratelimit_headers(emu: DiscordEmulator, api: Api):
    """Bot routes need the token; answers carry X-RateLimit headers and exact JSON content type."""
    status, body, _ = await api.call("GET", "/users/@me", auth=False)
    assert status == 401 and body["message"] == "401: Unauthorized"
    status, body, headers = await api.call("GET", "/users/@me")
    assert status == 200 and body["id"] == str(emu.bot_user.id) and body["bot"] is True
    assert headers["Content-Type"] == "application/json"
    assert int(headers["X-RateLimit-Remaining"]) > 0 and headers["X-RateLimit-Bucket"]


async def test_global_rate_limit_headers(emu: DiscordEmulator, api: Api):
    """An injected global 429 carries Via, Retry-After and X-RateLimit-Global headers."""
    emu.inject_rate_limit("GET", r"/users/@me", retry_after=0.5, global_=True)
    status, body, headers = await api.call("GET", "/users/@me")
    assert status == 429 and body == {
        "message": "You are being rate limited.",
        "retry_after": 0.5,
        "global": True,
        "code": 0,
    }
    assert headers["Via"] == "1.1 google" and headers["X-RateLimit-Global"] == "true"
    assert headers["X-RateLimit-Scope"] == "global" and headers["Retry-After"] == "1"
    assert (await api.call("GET", "/users/@me"))[0] == 200


async def test_exceeding_the_global_limit_gives_the_global_429(emu: DiscordEmulator, api: Api):
    """Past the global limit any bot route answers Discord's global 429, counted and recorded."""
    emu.global_rate_limit, emu.global_rate_window = 3, 30.0
    emu.reset_rate_limits()
    statuses = [(await api.call("GET", f"/users/{emu.bot_user.id}"))[0] for _ in range(3)]
    assert statuses == [200, 200, 200]
    status, body, headers = await api.call("GET", "/users/@me")  # another route, same limit
    assert status == 429
    assert body["message"] == "You are being rate limited." and body["global"] is True
    assert body["code"] == 0 and 0 < body["retry_after"] <= 30
    assert headers["X-RateLimit-Global"] == "true" and headers["X-RateLimit-Scope"] == "global"
    assert int(headers["Retry-After"]) >= body["retry_after"] and headers["Via"]
    assert emu.rate_limited["global"] == 1
    assert [v.kind for v in emu.violations] == ["global_rate_limit"]


async def test_interaction_endpoints_are_exempt_from_the_global_limit(
    emu: DiscordEmulator, world: World, api: Api
):
    """With the global limit spent, the callback, a followup and @original still answer."""
    emu.global_rate_limit, emu.global_rate_window = 1, 30.0
    emu.reset_rate_limits()
    assert (await api.call("GET", "/users/@me"))[0] == 200
    assert (await api.call("GET", "/users/@me"))[0] == 429
    it = await echo(emu, world)
    assert (await api.callback(it, 5))[0] == 200
    assert (await api.followup(it, {"content": "later"}))[0] == 200
    original = f"/webhooks/{emu.application_id}/{it.token}/messages/@original"
    assert (await api.call("PATCH", original, {"content": "edited"}, auth=False))[0] == 200
    assert emu.rate_limited["global"] == 1


async def test_discord_py_waits_out_the_global_429(emu: DiscordEmulator, world: World, bot):
    """The real client, flooding past the global limit, waits retry_after and succeeds."""
    emu.global_rate_limit, emu.global_rate_window = 4, 0.3
    users = await asyncio.gather(*(bot.fetch_user(world.anna.id) for _ in range(12)))
    assert {u.name for u in users} == {"anna"}
    assert emu.rate_limited["global"] >= 1


async def test_create_dm_has_its_own_bucket(emu: DiscordEmulator, world: World, api: Api):
    """Opening DM channels is limited per route; the headers announce it before the 429."""
    emu.dm_channel_rate_limit, emu.dm_channel_rate_window = 2, 30.0
    emu.reset_rate_limits()
    answers = [
        await api.call("POST", "/users/@me/channels", {"recipient_id": str(user.id)})
        for user in (world.anna, world.bob, world.admin)
    ]
    assert [a[0] for a in answers] == [200, 200, 429]
    assert answers[0][2]["X-RateLimit-Limit"] == "2"
    assert answers[1][2]["X-RateLimit-Remaining"] == "0"
    assert answers[2][1]["global"] is False and answers[2][2]["X-RateLimit-Scope"] == "user"
    assert emu.rate_limited["dm_channel"] == 1


async def test_gateway_rejects_bad_token(emu: DiscordEmulator):
    """IDENTIFY with a wrong token is closed with 4004; heartbeats are acknowledged."""
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(emu.gateway_url + "?v=10&encoding=json") as ws:
            hello = await ws.receive_json()
            assert hello["op"] == 10 and hello["d"]["heartbeat_interval"] > 0
            await ws.send_json({"op": 1, "d": None})
            assert (await ws.receive_json())["op"] == 11
            await ws.send_json({"op": 2, "d": {"token": "wrong", "intents": 0, "properties": {}}})
            msg = await ws.receive()
            assert msg.type == aiohttp.WSMsgType.CLOSE and msg.data == 4004
