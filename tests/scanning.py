"""Reading the barcodes the app draws, as a scanner would: zxing-cpp decodes a raster image.

Two rasters: a screenshot Chromium took (a PNG, read with Pillow) and, without a browser, the
Code 128 SVG the app writes, drawn here (its bars are rectangles)."""

from __future__ import annotations

import io
import re

import zxingcpp
from PIL import Image


def gray_from_png(png: bytes) -> tuple[bytes, int, int]:
    """A PNG (a Chromium screenshot) as grey pixels, one byte each, row by row."""
    image = Image.open(io.BytesIO(png)).convert("L")
    return image.tobytes(), image.width, image.height


def read(gray: bytes, width: int, height: int) -> set[tuple[str, str]]:
    """The (format, text) of every barcode zxing-cpp finds in the grey image."""
    view = memoryview(gray).cast("B", (height, width))
    return {(str(found.format).rsplit(".", 1)[-1], found.text)
            for found in zxingcpp.read_barcodes(view)}


def read_png(png: bytes) -> set[tuple[str, str]]:
    return read(*gray_from_png(png))


def draw_bars(svg: str, scale: int = 3) -> tuple[bytes, int, int]:
    """The app's Code 128 SVG (a viewBox in modules, one path of rectangles) drawn as grey
    pixels, `scale` pixels a module."""
    _x, _y, width, height = (int(float(v)) for v in
                             re.search(r'viewBox="([^"]+)"', svg).group(1).split())
    row = bytearray(b"\xff" * (width * scale))
    for x, bar in re.findall(r"M([\d.]+) [\d.]+h([\d.]+)v", svg):
        start = int(float(x)) * scale
        row[start:start + int(float(bar)) * scale] = b"\x00" * (int(float(bar)) * scale)
    return bytes(row) * (height * scale // 4), width * scale, height * scale // 4
