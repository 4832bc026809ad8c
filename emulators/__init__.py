"""Local stand-ins for the outside APIs the bot talks to, for tests and ``creatorbot demo``.

They are not the application: nothing under ``bot/`` or ``cogs/`` imports them except the
harness that wires the real bot to the Discord emulator for the demo.

* ``emulators.discord``: the Discord API (gateway websocket + REST v10), driving the real
  discord.py client.
* ``emulators.woocommerce``: a WooCommerce store's REST API (refunds), faithful in shapes,
  auth and errors.

They share ``emulators._base``: a loopback aiohttp server (127.0.0.1, an ephemeral port), a
record of the requests served, and faults injected into the next requests to a path (a
status, a delay, a dropped connection).

Each answers as the real service does, so a request the real service would refuse is
refused here too.
"""
