"""Code 128 barcodes drawn inline as SVG: on unit labels (the asset tag) and on members' cards
(the card number), for the desk's USB scanners that read only 1D codes.

python-barcode encodes (it picks the Code 128 character sets); the drawing is ours, through
its writer's callbacks, because its own SVG writer colours bars with `style` attributes,
which the Content-Security-Policy (style-src 'self') forbids, and fixes the size in mm,
which the label's CSS must decide."""

from __future__ import annotations

from barcode import Code128
from barcode.writer import BaseWriter

QUIET_ZONE = 10  # modules of white each side: the least Code 128 asks for
HEIGHT = 40  # modules; the page's CSS stretches the drawing to the height it wants


class _SvgBars(BaseWriter):
    """Collects the bars python-barcode lays out, in modules, and writes one SVG path."""

    def __init__(self) -> None:
        super().__init__(self._start, self._bar, None, self._finish)
        self._bars: list[str] = []
        self._size = (0.0, 0.0)

    def _start(self, code: list[str]) -> None:
        self._bars = []
        self._size = self.calculate_size(len(code[0]), 1)

    def _bar(self, xpos: float, ypos: float, width: float, color: str) -> None:
        if color == self.foreground:
            self._bars.append(f"M{xpos:g} {ypos:g}h{width:g}v{self.module_height:g}"
                              f"h-{width:g}z")

    def _finish(self) -> str:
        width, height = self._size
        return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:g} {height:g}" '
                'preserveAspectRatio="none" shape-rendering="crispEdges" aria-hidden="true" '
                'focusable="false"><rect width="100%" height="100%" fill="#fff"/>'
                f'<path fill="#000" d="{"".join(self._bars)}"/></svg>')


def code128_svg(text: str) -> str:
    """An inline SVG Code 128 barcode of `text` (printable ASCII: asset tags, card numbers),
    with its quiet zones and no human-readable line (the page prints the text itself)."""
    svg: str = Code128(text, writer=_SvgBars()).render(
        writer_options={"module_width": 1, "module_height": HEIGHT, "quiet_zone": QUIET_ZONE,
                        "margin_top": 0, "margin_bottom": 0, "write_text": False})
    return svg

