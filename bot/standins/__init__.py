"""Local stand-ins for the shops' APIs, faithful to their shapes, auth and errors, for tests
and local runs (the Discord API has its own in ``bot.emulator``)."""
