"""The summary chart: a real PNG, drawn without blocking the event loop."""

from __future__ import annotations

import asyncio
import io

from PIL import Image

from bot.charts import HEIGHT, PNG_MAGIC, WIDTH, ChartText, daily_chart

LABELS = ["Mon 16", "Tue 17", "Wed 18", "Thu 19", "Fri 20", "Sat 21", "Sun 22"]
TEXT = ChartText(
    title="Clicks and orders per day · 16–22 Nov 2026", clicks="Clicks", orders="Orders"
)


async def test_chart_is_a_png_of_seven_days() -> None:
    """The bytes start with the PNG signature and decode to the chart's size."""
    png = await daily_chart(
        LABELS, [120, 340, 80, 0, 560, 1234, 900], [1, 5, 0, 0, 12, 30, 7], TEXT
    )
    assert png.startswith(PNG_MAGIC)
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"
        assert image.size == (WIDTH, HEIGHT)


async def test_empty_week_still_draws() -> None:
    """A week without clicks or orders is a flat chart, not an error."""
    png = await daily_chart(LABELS, [0] * 7, [0] * 7, TEXT)
    assert png.startswith(PNG_MAGIC)


async def test_chart_is_drawn_off_the_event_loop() -> None:
    """While charts are drawn, other coroutines keep running (the heartbeat is not held up)."""
    ticks = 0
    drawing = True

    async def heartbeat() -> None:
        nonlocal ticks
        while drawing:
            ticks += 1
            await asyncio.sleep(0)

    beat = asyncio.create_task(heartbeat())
    try:
        for _ in range(3):
            png = await daily_chart(LABELS, [5, 9, 2, 7, 1, 0, 3], [1, 2, 0, 1, 0, 0, 1], TEXT)
            assert png.startswith(PNG_MAGIC)
    finally:
        drawing = False
        await beat
    # Drawn on the loop, the heartbeat would get at most one turn per chart.
    assert ticks > 30
