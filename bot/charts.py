"""The weekly summary's chart: daily clicks (bars) and orders (a line), as a PNG.

Drawn with Pillow, which the bot needs for nothing else: a 7-bar chart does not justify
matplotlib's size and import time. Drawing and PNG compression take tens of milliseconds of
CPU, so :func:`daily_chart` runs :func:`render_daily_chart` in a worker thread and the event
loop (the gateway heartbeat, the tracker) never waits for it.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
WIDTH, HEIGHT = 800, 360
_MARGIN_LEFT, _MARGIN_RIGHT, _MARGIN_TOP, _MARGIN_BOTTOM = 64, 64, 56, 48
_BACKGROUND = (47, 49, 54)
_GRID = (79, 84, 92)
_TEXT = (220, 221, 222)
_CLICKS = (88, 101, 242)  # Discord blurple
_ORDERS = (87, 242, 135)


@dataclass(frozen=True)
class ChartText:
    """The words on the chart, in the server's language."""

    title: str
    clicks: str
    orders: str


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError, ImportError):  # Pillow without FreeType: the bitmap font
        return ImageFont.load_default()


def _axis_step(value: int, ticks: int = 4) -> int:
    """A round whole step (1, 2 or 5 × a power of ten) so ``ticks`` steps reach ``value``."""
    magnitude = 1
    while True:
        for step in (1, 2, 5):
            if step * magnitude * ticks >= value:
                return step * magnitude
        magnitude *= 10


def render_daily_chart(
    labels: Sequence[str], clicks: Sequence[int], orders: Sequence[int], text: ChartText
) -> bytes:
    """Bars of daily clicks (left axis) with a line of daily orders (right axis), as PNG."""
    if not (len(labels) == len(clicks) == len(orders)) or not labels:
        raise ValueError("one label, click count and order count per day")
    image = Image.new("RGB", (WIDTH, HEIGHT), _BACKGROUND)
    draw = ImageDraw.Draw(image)
    small, large = _font(13), _font(17)
    left, right = _MARGIN_LEFT, WIDTH - _MARGIN_RIGHT
    top, bottom = _MARGIN_TOP, HEIGHT - _MARGIN_BOTTOM
    clicks_step, orders_step = _axis_step(max(clicks)), _axis_step(max(orders))
    clicks_top, orders_top = clicks_step * 4, orders_step * 4

    # The bundled font has no en dash; a hyphen reads the same in a date range.
    draw.text((left, 14), text.title.replace("\u2013", "-"), fill=_TEXT, font=large)
    orders_x = right - 24 - draw.textlength(text.orders, font=small)
    clicks_x = orders_x - 40 - draw.textlength(text.clicks, font=small)
    draw.rectangle((clicks_x, 20, clicks_x + 12, 32), fill=_CLICKS)
    draw.text((clicks_x + 18, 18), text.clicks, fill=_TEXT, font=small)
    draw.line((orders_x, 26, orders_x + 18, 26), fill=_ORDERS, width=3)
    draw.text((orders_x + 24, 18), text.orders, fill=_TEXT, font=small)

    for step in range(5):
        y = bottom - (bottom - top) * step / 4
        draw.line((left, y, right, y), fill=_GRID, width=1)
        draw.text((left - 8, y), str(clicks_step * step), fill=_CLICKS, font=small, anchor="rm")
        draw.text((right + 8, y), str(orders_step * step), fill=_ORDERS, font=small, anchor="lm")

    slot = (right - left) / len(labels)
    points = []
    for index, (label, day_clicks, day_orders) in enumerate(
        zip(labels, clicks, orders, strict=True)
    ):
        centre = left + slot * (index + 0.5)
        bar_top = bottom - (bottom - top) * day_clicks / clicks_top
        draw.rectangle((centre - slot * 0.3, bar_top, centre + slot * 0.3, bottom), fill=_CLICKS)
        draw.text((centre, bottom + 10), label, fill=_TEXT, font=small, anchor="ma")
        points.append((centre, bottom - (bottom - top) * day_orders / orders_top))
    if len(points) > 1:
        draw.line(points, fill=_ORDERS, width=3, joint="curve")
    for x, y in points:
        draw.ellipse((x - 4, y - 4, x + 4, y + 4), fill=_ORDERS)

    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


async def daily_chart(
    labels: Sequence[str], clicks: Sequence[int], orders: Sequence[int], text: ChartText
) -> bytes:
    """:func:`render_daily_chart` in a worker thread, off the event loop."""
    return await asyncio.to_thread(
        render_daily_chart, list(labels), list(clicks), list(orders), text
    )
