"""A local Discord API emulator (REST v10 + gateway) for testing the real discord.py client.

Quick reference::

    from emulators.discord import DiscordEmulator, FakeClock, point_discord_py_at

    emu = DiscordEmulator(clock=FakeClock())        # default clock: time.monotonic
    await emu.start()                                # 127.0.0.1, random port
    restore = point_discord_py_at(emu.api_base, emu.gateway_url)

    guild = emu.create_guild("Brand HQ")             # @everyone, bot role, owner, #general
    anna = emu.create_user("anna", locale="nl")
    guild.add_member(anna, roles=[guild.create_role("Creators").id])
    review = guild.create_text_channel("review")

    # start the bot with emu.token (guild_ready_timeout small), sync its tree, then:
    it = await emu.invoke(anna.id, "creator approve", {"member": anna.id}, guild_id=guild.id)
    it.response_type, it.content, it.ephemeral, await it.wait_followups(1)
    await emu.click(it.message, label="Approve", user_id=anna.id)
    await emu.submit_modal(opened, {"Reason": "too small"})
    emu.messages(review.id), emu.dms(anna.id), emu.member_roles(guild.id, anna.id)
    emu.assert_no_violations()                       # every refused limit is recorded
    emu.inject_rate_limit("POST", r"/channels/\\d+/messages")   # 429 with Via header
    emu.inject_error("POST", r"/channels/\\d+/messages", status=500)

    # close the bot first, then:
    restore(); await emu.stop()

Paths in ``emu.requests`` / fault patterns are relative to ``/api/v10``.
"""

from ._clock import EmulatorClock, FakeClock
from ._emulator import DiscordEmulator
from ._errors import EmulatorError, EmulatorTimeout
from ._interactions import Interaction
from ._patch import point_discord_py_at
from ._records import Attachment, Message, RecordedRequest, RoleChange, Violation
from ._state import Channel, Guild, Member, PermissionOverwrite, Role, User

__all__ = [
    "Attachment",
    "Channel",
    "DiscordEmulator",
    "EmulatorClock",
    "EmulatorError",
    "EmulatorTimeout",
    "FakeClock",
    "Guild",
    "Interaction",
    "Member",
    "Message",
    "PermissionOverwrite",
    "RecordedRequest",
    "Role",
    "RoleChange",
    "User",
    "Violation",
    "point_discord_py_at",
]
