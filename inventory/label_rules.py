"""Label stock: the sheets and rolls labels are printed on, as a table, and the print
stylesheet that puts each label on its place of the stock. Pure: plain values in and out.

Sizes are in millimetres. A sheet's labels touch (no gap between them, as on the common
A4 stock); the sheet's margins are what is left of the page around them, split evenly."""

from __future__ import annotations

from dataclasses import dataclass

from rental.kernel.i18n import N_

A4 = (210.0, 297.0)


@dataclass(frozen=True)
class Stock:
    key: str  # the value of /labels?stock=
    name: str  # a message id
    page: tuple[float, float]  # width, height
    columns: int
    rows: int
    label: tuple[float, float]  # width, height
    padding: float  # inside a label, kept clear of the cutting edge
    qr: float  # the QR code's side
    bars: float  # the Code 128 barcode's height (it takes the label's whole width)
    tag_pt: float  # the asset tag's type size
    name_pt: float  # the tool name's type size

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    @property
    def margins(self) -> tuple[float, float]:
        """Left and top margin of the page: what the labels leave, split evenly."""
        return ((self.page[0] - self.columns * self.label[0]) / 2,
                (self.page[1] - self.rows * self.label[1]) / 2)

    @property
    def gap(self) -> float:
        """Between the QR code and the text beside it, and above the barcode."""
        return 1.0


STOCKS: dict[str, Stock] = {s.key: s for s in (
    Stock("a4-3x8", N_("A4, 3 × 8 labels a sheet (70 × 37 mm)"), A4, 3, 8, (70.0, 37.0),
          padding=2.5, qr=21.0, bars=9.0, tag_pt=12, name_pt=8),
    Stock("a4-4x10", N_("A4, 4 × 10 labels a sheet (48.5 × 25.4 mm)"), A4, 4, 10,
          (48.5, 25.4), padding=1.5, qr=13.0, bars=7.5, tag_pt=9, name_pt=6.5),
    Stock("thermal-50x25", N_("Thermal printer, one 50 × 25 mm label"), (50.0, 25.0), 1, 1,
          (50.0, 25.0), padding=1.5, qr=12.5, bars=7.5, tag_pt=9, name_pt=6.5),
)}
DEFAULT = "a4-3x8"  # the sheet /labels printed before there was a choice


def stock(key: str) -> Stock | None:
    return STOCKS.get(key)


def pages(count: int, chosen: Stock) -> list[range]:
    """The labels of each page: positions into the list of `count` labels."""
    return [range(start, min(start + chosen.per_page, count))
            for start in range(0, count, chosen.per_page)]


def fits(chosen: Stock) -> list[str]:
    """What does not fit, in words (empty: all is well): the labels on the page, the QR code
    and the barcode inside the label, and the text beside the QR code."""
    problems = []
    width, height = chosen.label
    left, top = chosen.margins
    if left < 0 or top < 0:
        problems.append(f"{chosen.key}: the labels are larger than the page")
    inner_w, inner_h = width - 2 * chosen.padding, height - 2 * chosen.padding
    if chosen.qr + chosen.gap + chosen.bars > inner_h + 1e-9:
        problems.append(f"{chosen.key}: QR code and barcode are taller than the label")
    if inner_w - chosen.qr - chosen.gap < 15:
        problems.append(f"{chosen.key}: no room for the tag beside the QR code")
    # a scanner needs modules of at least 0.19 mm; an asset tag is at most about 150 modules
    if inner_w / 150 < 0.19:
        problems.append(f"{chosen.key}: the barcode's bars are too thin to scan")
    if chosen.qr < 10:
        problems.append(f"{chosen.key}: the QR code is too small for a phone's camera")
    return problems


def _mm(value: float) -> str:
    return f"{value:g}mm"


def stylesheet() -> str:
    """The CSS of every stock (no inline styles: the Content-Security-Policy forbids them).
    On screen the labels are drawn at their real size and wrap to the window; printed, each
    page is a named @page of the stock's size, with the labels placed in its grid."""
    css = []
    for s in STOCKS.values():
        cls, (width, height), (left, top) = f".stock-{s.key}", s.label, s.margins
        css.append(
            f"@page {s.key} {{ size: {_mm(s.page[0])} {_mm(s.page[1])}; margin: 0; }}\n"
            f"{cls} .label {{ width: {_mm(width)}; height: {_mm(height)}; "
            f"padding: {_mm(s.padding)}; gap: {_mm(s.gap)}; "
            f"grid-template-columns: {_mm(s.qr)} 1fr; "
            f"grid-template-rows: {_mm(s.qr)} {_mm(s.bars)}; }}\n"
            f"{cls} .label-qr svg {{ width: {_mm(s.qr)}; height: {_mm(s.qr)}; }}\n"
            f"{cls} .label-barcode svg {{ height: {_mm(s.bars)}; }}\n"
            f"{cls} .asset-tag {{ font-size: {s.tag_pt:g}pt; }}\n"
            f"{cls} .label-name {{ font-size: {s.name_pt:g}pt; }}\n"
            f"@media print {{\n"
            f"  {cls} .label-page {{ page: {s.key}; width: {_mm(s.page[0])}; "
            f"padding: {_mm(top)} {_mm(left)} 0; "
            f"grid-template-columns: repeat({s.columns}, {_mm(width)}); "
            f"grid-template-rows: repeat({s.rows}, {_mm(height)}); }}\n"
            f"}}\n")
    return "".join(css)
