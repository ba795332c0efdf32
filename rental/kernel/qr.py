"""QR codes drawn inline as SVG: on unit labels (the asset tag) and on certificates (the
address of their public verification page)."""

from __future__ import annotations

import segno


def qr_svg(text: str) -> str:
    """An inline SVG QR code of `text`; segno escapes what it writes. Never a Micro QR: phone
    cameras and most scanners do not read them."""
    return segno.make(text, error="m", micro=False).svg_inline(scale=3, border=2,
                                                              omitsize=True)
