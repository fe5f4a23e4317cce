"""The PNG encoder and the funnel chart: bytes a PNG decoder accepts (signature, IHDR, each
chunk's CRC, IDAT inflating to one filter byte and width RGB triples per row), and bars as long
as the share of the sign-ups who reached each stage."""

from __future__ import annotations

import struct
import zlib

import pytest

from og.core import funnel_chart
from og.core.funnel import PlanFunnel, StepReached
from og.core.png import SIGNATURE, encode_rgb


def chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    """(type, data) of each chunk, checking lengths and CRCs as a decoder does."""
    assert png[:8] == SIGNATURE
    found, at = [], 8
    while at < len(png):
        (length,) = struct.unpack(">I", png[at : at + 4])
        kind, data = png[at + 4 : at + 8], png[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", png[at + 8 + length : at + 12 + length])
        assert crc == zlib.crc32(kind + data), f"bad CRC on {kind!r}"
        found.append((kind, data))
        at += 12 + length
    assert at == len(png)
    return found


def decode(png: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and the RGB rows of a PNG written with filter type 0."""
    parts = chunks(png)
    assert parts[0][0] == b"IHDR" and parts[-1] == (b"IEND", b"")
    width, height, depth, colour, compression, filtering, interlace = struct.unpack(
        ">IIBBBBB", parts[0][1]
    )
    assert (depth, colour, compression, filtering, interlace) == (8, 2, 0, 0, 0)
    raw = zlib.decompress(b"".join(d for k, d in parts if k == b"IDAT"))
    stride = 1 + 3 * width
    assert len(raw) == height * stride
    rows = [raw[r * stride : (r + 1) * stride] for r in range(height)]
    assert all(row[0] == 0 for row in rows)  # filter type None
    return width, height, [row[1:] for row in rows]


def test_the_encoded_bytes_decode_to_the_pixels_given() -> None:
    pixels = bytes([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30, 40, 50, 60, 70, 80, 90])

    width, height, rows = decode(encode_rgb(3, 2, pixels))

    assert (width, height) == (3, 2)
    assert b"".join(rows) == pixels


@pytest.mark.parametrize(("width", "height", "size"), [(0, 1, 0), (2, 2, 11), (2, -1, 0)])
def test_a_wrong_size_is_refused(width: int, height: int, size: int) -> None:
    with pytest.raises(ValueError, match=r"PNG needs|RGB needs"):
        encode_rgb(width, height, bytes(size))


def test_each_bar_is_as_long_as_the_share_that_reached_its_stage() -> None:
    funnel = PlanFunnel(
        "Starter",
        8,
        (StepReached("welcome", "Welcome", 6, 75, 1.0), StepReached("order", "Order", 2, 25, 4.0)),
        0,
        0,
        None,
    )

    width, height, rows = decode(funnel_chart.funnel_png(funnel))

    bar, gap = funnel_chart.BAR_HEIGHT, funnel_chart.GAP
    assert width == funnel_chart.WIDTH and height == gap + 4 * (bar + gap)
    middles = [rows[gap + i * (bar + gap) + bar // 2] for i in range(4)]
    track = middles[1][-3:]  # the grey past the end of a bar (the signed-up bar is all bar)
    lengths = [
        next((x for x in range(width) if row[3 * x : 3 * x + 3] == track), width) for row in middles
    ]
    assert lengths == [480, 360, 120, 0]  # 100 %, 75 %, 25 %, nobody finished
    assert rows[0] == b"\xff" * 3 * width  # white between the bars
