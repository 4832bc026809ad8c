"""`creatorbot run` as a real process: client, tracker and schedule on one loop; clean stop."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import aiohttp
import pytest

from emulators.discord import DiscordEmulator

pytestmark = pytest.mark.timeout(60)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def _wait_healthy(url: str, process: asyncio.subprocess.Process) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(200):
            if process.returncode is not None:
                raise AssertionError("creatorbot run exited early")
            try:
                async with session.get(url) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)
    raise AssertionError("the tracker never answered /healthz")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
async def test_run_serves_and_stops_cleanly(tmp_path: Path, signum: int) -> None:
    """The process connects to Discord, answers /healthz, and exits 0 on a signal."""
    async with DiscordEmulator() as emu:
        emu.create_guild("Brand HQ")
        port = _free_port()
        database = tmp_path / "run.db"  # closed cleanly: SQLite removes the -wal file
        env = {
            **os.environ,
            "DISCORD_TOKEN": emu.token,
            "DISCORD_API_BASE": emu.api_base,
            "DISCORD_GATEWAY_URL": emu.gateway_url,
            "CREATORBOT_DATABASE_URL": f"sqlite:///{database}",
            "CREATORBOT_HTTP_PORT": str(port),
            "CREATORBOT_CONFIG": str(tmp_path / "none.toml"),
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            await _wait_healthy(f"http://127.0.0.1:{port}/healthz", process)
            await emu.wait_until_connected(timeout=15)
            assert "setup" in {c["name"] for c in emu.commands()}
        finally:
            process.send_signal(signum)
            _, stderr = await asyncio.wait_for(process.communicate(), 20)
        log = stderr.decode()
        assert process.returncode == 0, log
        assert "Traceback" not in log
        assert emu.token not in log
        assert "stopped cleanly" in log
        files = {p.name for p in tmp_path.iterdir()}  # noqa: ASYNC240 - the process has ended
        assert "run.db" in files and "run.db-wal" not in files


async def test_bad_token_is_one_clear_line(tmp_path: Path) -> None:
    """A token Discord rejects ends the process with one line and exit code 1."""
    async with DiscordEmulator() as emu:
        env = {
            **os.environ,
            "DISCORD_TOKEN": "not-the-token",
            "DISCORD_API_BASE": emu.api_base,
            "DISCORD_GATEWAY_URL": emu.gateway_url,
            "CREATORBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'bad.db'}",
            "CREATORBOT_HTTP_PORT": str(_free_port()),
            "CREATORBOT_CONFIG": str(tmp_path / "none.toml"),
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        _, stderr = await asyncio.wait_for(process.communicate(), 30)
        log = stderr.decode()
        assert process.returncode == 1
        assert "creatorbot: DISCORD_TOKEN was rejected by Discord" in log
        assert "Traceback" not in log
