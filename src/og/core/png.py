"""A truecolour PNG (RFC 2083 / the W3C PNG spec) from raw RGB rows, with the stdlib only: the
monthly summary's funnel goes into the email as an image, since mail clients do not render SVG."""

from __future__ import annotations

import struct
import zlib

__all__ = ["SIGNATURE", "encode_rgb"]

SIGNATURE = b"\x89PNG\r\n\x1a\n"
_RGB = 2  # colour type: truecolour, three samples per pixel
_NO_FILTER = b"\x00"  # filter type 0 ("None") before each scanline


def encode_rgb(width: int, height: int, pixels: bytes) -> bytes:
    """`pixels` holds `height` rows of `width` RGB triples, top row first."""
    if width <= 0 or height <= 0:
        raise ValueError(f"a PNG needs a positive size, not {width}x{height}")
    stride = 3 * width
    if len(pixels) != stride * height:
        raise ValueError(f"{width}x{height} RGB needs {stride * height} bytes, got {len(pixels)}")
    scanlines = b"".join(
        _NO_FILTER + pixels[row * stride : (row + 1) * stride] for row in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, _RGB, 0, 0, 0)
    return (
        SIGNATURE
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(scanlines, 9))
        + _chunk(b"IEND", b"")
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
