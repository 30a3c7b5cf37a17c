"""The page template every printed document shares: fonts, paper, header, footer, QR codes.

Every page of a decorated document carries the municipality's logo and name (Settings) at the top
left and the Participa311 mark at the top right, and a footer with the session and "page n of m".
The footer needs the page count, so :class:`PagedCanvas` keeps each finished page and draws the
header and footer of all of them when the document is saved (reportlab's usual recipe). Label
sheets (stickers cut by the manufacturer) are not decorated: the footer would land on a label.

Fonts are bundled (``resources/fonts``, DejaVu Sans) and embedded, so ``l·l``, ``ç``, ``à``,
``ñ``, ``€`` and ``«»`` print the same on every machine.

QR codes are vector paths: segno builds the matrix with a fixed mask pattern (a valid QR code;
the automatic mask choice costs five times more and buys nothing a scanner notices) at error
correction M, and each row's runs of dark modules become one rectangle of a single filled path.
"""

from __future__ import annotations

import base64
import binascii
import io
import math
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from reportlab.lib.utils import ImageReader, simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from p311desk.errors import ValidationError
from p311desk.printing.job import MM, Job
from p311desk.paths import resources_dir

FONT, FONT_BOLD = "DejaVuSans", "DejaVuSans-Bold"
INK = (0.12, 0.23, 0.34)  # the app's dark blue
GREY = (0.35, 0.35, 0.35)
ACCENT = (0.95, 0.66, 0.0)
MARGIN = 14 * MM
HEADER_H = 17 * MM
FOOTER_H = 10 * MM
QR_QUIET = 4  # modules of quiet zone on each side (ISO/IEC 18004)
QR_MASK = 0
LOGO_MIME = {"image/png": "png", "image/svg+xml": "svg", "image/jpeg": "jpg"}


@lru_cache(maxsize=1)
def register_fonts() -> None:
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    from reportlab import rl_config

    # Binary (deflated) streams: ASCII85 on top only makes files 25 % larger, and reportlab's
    # pure-Python encoder was the slowest step of a 1,000-credential job.
    rl_config.useA85 = 0
    folder = resources_dir() / "fonts"
    pdfmetrics.registerFont(TTFont(FONT, str(folder / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(folder / "DejaVuSans-Bold.ttf")))
    for bold, italic, name in ((0, 0, FONT), (1, 0, FONT_BOLD), (0, 1, FONT), (1, 1, FONT_BOLD)):
        addMapping(FONT, bold, italic, name)


# --- the municipality's logo -------------------------------------------------------------------


def logo_data_uri(content: bytes, filename: str) -> str:
    """A logo file as it is stored in Settings (a data URI, so it travels with the database)."""
    name = filename.lower()
    mime = ("image/svg+xml" if name.endswith(".svg") else "image/png" if name.endswith(".png")
            else "image/jpeg" if name.endswith((".jpg", ".jpeg")) else "")
    if not mime:
        raise ValidationError("The logo must be an SVG, PNG or JPEG file.")
    if len(content) > 2_000_000:
        raise ValidationError("The logo file is too large (at most 2 MB).")
    uri = f"data:{mime};base64," + base64.b64encode(content).decode("ascii")
    if _logo_drawable(uri) is None:
        raise ValidationError("The logo file cannot be read.")
    return uri


def _split_uri(uri: str) -> tuple[str, bytes] | None:
    if not uri.startswith("data:") or ";base64," not in uri:
        return None
    mime, data = uri[5:].split(";base64,", 1)
    try:
        return LOGO_MIME.get(mime, ""), base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        return None


@lru_cache(maxsize=4)
def _logo_drawable(uri: str) -> Any:
    """A reportlab Drawing (SVG) or ImageReader (PNG/JPEG), or None when it cannot be read."""
    parts = _split_uri(uri)
    if parts is None:
        return None
    kind, data = parts
    try:
        if kind == "svg":
            from svglib.svglib import svg2rlg

            drawing = svg2rlg(io.BytesIO(data))
            return drawing if drawing is not None and drawing.width > 0 and drawing.height > 0 else None
        if kind in ("png", "jpg"):
            reader = ImageReader(io.BytesIO(data))
            reader.getSize()
            return reader
    except Exception:  # noqa: BLE001 - a broken logo prints no logo rather than no document
        return None
    return None


# --- what a document is printed with --------------------------------------------------------


def content_box(job: Job, decorated: bool = True) -> tuple[float, float, float, float]:
    """(x, y, width, height) of the area between header and footer."""
    w, h = job.pagesize
    if not decorated:
        return 0.0, 0.0, w, h
    top = MARGIN * 0.7 + HEADER_H * 0.6 + 6 * MM
    bottom = FOOTER_H + 6 * MM
    return MARGIN, bottom, w - 2 * MARGIN, h - top - bottom


def make_canvas(job: Job, target, *, decorated: bool = True, title: str = ""):
    register_fonts()
    canvas = PagedCanvas(target, pagesize=job.pagesize, job=job, decorated=decorated)
    canvas.setTitle(title)
    canvas.setAuthor(job.municipality or "p311desk")
    canvas.setCreator("p311desk")
    canvas.setSubject(job.session_line)
    return canvas


class PagedCanvas(Canvas):
    """A reportlab Canvas that knows its page count when saved and decorates every page."""

    def __init__(self, target, *, pagesize, job: Job, decorated: bool) -> None:
        super().__init__(target, pagesize=pagesize, pageCompression=1)
        self.job = job
        self.decorated = decorated
        self._pages: list[dict] = []
        self._forms: set[str] = set()

    def showPage(self) -> None:  # noqa: N802 - reportlab's name
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            if self.decorated:
                draw_header(self, self.job)
                draw_footer(self, self.job, number, total)
            Canvas.showPage(self)
        Canvas.save(self)

    @property
    def page_count(self) -> int:
        return len(self._pages)


# --- header, footer, marks ----------------------------------------------------------------------


def draw_mark(c, x: float, y: float, size: float = 11) -> float:
    """The Participa311 word mark with its baseline at (x, y); returns its width."""
    w1 = stringWidth("Participa", FONT_BOLD, size)
    w2 = stringWidth("311", FONT_BOLD, size)
    c.saveState()
    c.setFont(FONT_BOLD, size)
    c.setFillColorRGB(*INK)
    c.drawString(x, y, "Participa")
    c.setFillColorRGB(*ACCENT)
    c.roundRect(x + w1 + 1, y - size * 0.22, w2 + 4, size * 1.05, 2, stroke=0, fill=1)
    c.setFillColorRGB(1, 1, 1)
    c.drawString(x + w1 + 3, y, "311")
    c.restoreState()
    return w1 + w2 + 5


def mark_width(size: float = 11) -> float:
    return stringWidth("Participa", FONT_BOLD, size) + stringWidth("311", FONT_BOLD, size) + 5


def draw_logo(c, uri: str, x: float, y: float, max_w: float, max_h: float) -> float:
    """The municipality's logo fitted in a box with its lower left at (x, y); returns its width."""
    logo = _logo_drawable(uri) if uri else None
    if logo is None:
        return 0.0
    if hasattr(logo, "getSize"):
        iw, ih = logo.getSize()
    else:
        iw, ih = logo.width, logo.height
    scale = min(max_w / iw, max_h / ih)
    w, h = iw * scale, ih * scale
    if hasattr(logo, "getSize"):
        c.drawImage(logo, x, y + (max_h - h) / 2, w, h, mask="auto")
    else:
        from reportlab.graphics import renderPDF

        c.saveState()
        c.translate(x, y + (max_h - h) / 2)
        c.scale(scale, scale)
        renderPDF.draw(logo, c, 0, 0)
        c.restoreState()
    return w


def draw_branding(c, job: Job, x: float, y: float, height: float, font_size: float = 10,
                  max_width: float | None = None) -> None:
    """Logo and municipality name, bottom left at (x, y), ``height`` tall."""
    logo_w = draw_logo(c, job.logo, x, y, height * 2.2, height)
    if job.municipality:
        c.saveState()
        c.setFillColorRGB(*INK)
        tx = x + logo_w + (2 * MM if logo_w else 0)
        size = fit_font(job.municipality, FONT_BOLD, font_size,
                        (max_width - (tx - x)) if max_width else 1e9, minimum=6)
        c.setFont(FONT_BOLD, size)
        c.drawString(tx, y + (height - size) / 2 + size * 0.2, job.municipality)
        c.restoreState()


def draw_header(c, job: Job) -> None:
    w, h = job.pagesize
    band_y = h - MARGIN * 0.7 - HEADER_H * 0.6
    mw = mark_width(11)
    draw_branding(c, job, MARGIN, band_y, HEADER_H * 0.6, 11, max_width=w - 2 * MARGIN - mw - 6 * MM)
    draw_mark(c, w - MARGIN - mw, band_y + HEADER_H * 0.18, 11)
    c.saveState()
    c.setStrokeColorRGB(*INK)
    c.setLineWidth(0.6)
    c.line(MARGIN, band_y - 2 * MM, w - MARGIN, band_y - 2 * MM)
    c.restoreState()


def draw_footer(c, job: Job, number: int, total: int) -> None:
    _ = job.gettext
    w, _h = job.pagesize
    y = MARGIN * 0.6
    c.saveState()
    c.setFont(FONT, 7.5)
    c.setFillColorRGB(*GREY)
    c.setStrokeColorRGB(*GREY)
    c.setLineWidth(0.3)
    c.line(MARGIN, y + 9, w - MARGIN, y + 9)
    page = _("Page {n} of {total}").format(n=number, total=total)
    c.drawRightString(w - MARGIN, y, page)
    c.drawString(MARGIN, y, ellipsize(job.session_line, FONT, 7.5,
                                      w - 2 * MARGIN - c.stringWidth(page, FONT, 7.5) - 8 * MM))
    c.restoreState()


# --- text helpers -----------------------------------------------------------------------------


def ellipsize(text: str, font: str, size: float, width: float) -> str:
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def fit_font(text: str, font: str, size: float, width: float, minimum: float = 7) -> float:
    """The largest size ≤ ``size`` (down to ``minimum``) at which ``text`` fits in ``width``."""
    natural = stringWidth(text, font, size)
    if natural <= width or natural == 0:
        return size
    return max(minimum, size * width / natural)


def fit_lines(text: str, font: str, size: float, width: float, max_lines: int,
              minimum: float) -> tuple[float, list[str]]:
    """The largest size (down to ``minimum``) at which ``text`` wraps into ``max_lines`` lines
    without cutting a word, and those lines (ellipsized at ``minimum`` if it still does not fit)."""
    while size > minimum:
        lines = simpleSplit(text, font, size, width)
        if len(lines) <= max_lines and all(stringWidth(x, font, size) <= width for x in lines):
            return size, lines
        size -= 0.5
    return minimum, wrap_lines(text, font, minimum, width, max_lines)


def wrap_lines(text: str, font: str, size: float, width: float, max_lines: int) -> list[str]:
    """``text`` broken into at most ``max_lines`` lines of ``width`` (the last one ellipsized)."""
    lines = simpleSplit(text, font, size, width) or [""]
    if len(lines) > max_lines:
        rest = " ".join(lines[max_lines - 1:])
        lines = lines[:max_lines - 1] + [ellipsize(rest, font, size, width)]
    return lines


# --- QR codes ---------------------------------------------------------------------------------


@lru_cache(maxsize=2048)
def qr_matrix(payload: str) -> tuple[bytes, ...]:
    """The module matrix of ``payload`` (error correction M at least, fixed mask)."""
    import segno

    qr = segno.make_qr(payload, error="m", mask=QR_MASK)
    return tuple(bytes(row) for row in qr.matrix)


def qr_modules(payload: str) -> int:
    """Modules per side including the quiet zone."""
    return len(qr_matrix(payload)) + 2 * QR_QUIET


@lru_cache(maxsize=2048)
def _qr_ops(payload: str) -> str:
    """The code's dark modules as rectangles in module units (one per run of a row), origin at
    the top left of the symbol, y downwards negative: integers, so short and quick to write."""
    ops = []
    for r, row in enumerate(qr_matrix(payload)):
        n, col = len(row), 0
        while col < n:
            if row[col]:
                start = col
                while col < n and row[col]:
                    col += 1
                ops.append(f"{start} {-r - 1} {col - start} 1 re")
            else:
                col += 1
    return "\n".join(ops)


def draw_qr(c, payload: str, x: float, y: float, size: float) -> None:
    """A vector QR code in the square of side ``size`` (quiet zone included) at (x, y)."""
    m = size / qr_modules(payload)
    c.addLiteral(f"q 0 0 0 rg {m:.4f} 0 0 {m:.4f} {x + QR_QUIET * m:.3f} {y + size - QR_QUIET * m:.3f} cm\n"
                 f"{_qr_ops(payload)}\nf Q")


def qr_size_for(payload: str, min_code_mm: float = 20.0) -> float:
    """The side (quiet zone included) that makes the code itself at least ``min_code_mm`` wide."""
    n = len(qr_matrix(payload))
    return min_code_mm * MM * (n + 2 * QR_QUIET) / n


def cut_marks(c, x: float, y: float, w: float, h: float, length: float = 2 * MM) -> None:
    """Crop marks at the four corners of a cell, outside it."""
    ops = ["q 0.3 w 0.5 0.5 0.5 RG"]
    for cx, dx in ((x, -1), (x + w, 1)):
        for cy, dy in ((y, -1), (y + h, 1)):
            ops.append(f"{cx + dx * MM:.2f} {cy:.2f} m {cx + dx * (MM + length):.2f} {cy:.2f} l")
            ops.append(f"{cx:.2f} {cy + dy * MM:.2f} m {cx:.2f} {cy + dy * (MM + length):.2f} l")
    ops.append("S Q")
    c.addLiteral("\n".join(ops))


def grid(job: Job, per_page: int) -> tuple[list[tuple[float, float]], float, float, bool]:
    """Cell origins (lower left, top to bottom, left to right), cell width and height, and
    whether the pages are decorated, for a several-per-page layout.

    8 per A4: 2 × 4 cells inside the page template, with cut marks. 24 per A4: a 3 × 8 label sheet
    of 70 × 37 mm labels (Apli 1273, Avery 3475 and the like), edge to edge, undecorated.
    """
    w, h = job.pagesize
    layouts = {1: (1, 1), 2: (1, 2), 4: (2, 2), 8: (2, 4), 10: (2, 5), 24: (3, 8)}
    if per_page not in layouts:
        raise ValidationError("{n} per page is not a layout we print (1, 2, 4, 8, 10 or 24).", n=per_page)
    cols, rows = layouts[per_page]
    if per_page == 24:
        if job.paper != "A4":
            raise ValidationError("Label sheets of 24 are A4.")
        cw, ch = 70 * MM, 37 * MM
        x0, y0 = (w - 3 * cw) / 2, (h - 8 * ch) / 2
        cells = [(x0 + c * cw, y0 + (rows - 1 - r) * ch) for r in range(rows) for c in range(cols)]
        return cells, cw, ch, False
    bx, by, bw, bh = content_box(job)
    gap = 6 * MM if per_page > 1 else 0
    cw, ch = (bw - gap * (cols - 1)) / cols, (bh - gap * (rows - 1)) / rows
    cells = [(bx + c * (cw + gap), by + (rows - 1 - r) * (ch + gap)) for r in range(rows) for c in range(cols)]
    return cells, cw, ch, True


def fill_cells(c, job: Job, items: list, per_page: int, draw: Callable[..., None], *, cut: bool) -> int:
    """Draw ``items`` into the cells of a several-per-page layout (``draw(c, x, y, w, h, index,
    item)``), a page at a time with progress and cancel; save the document and return its pages."""
    _ = job.gettext
    cells, cw, ch, _decorated = grid(job, per_page)
    total = pages_for(len(items), per_page)
    for index, item in enumerate(items):
        slot = index % per_page
        if slot == 0:
            if index:
                c.showPage()
            page = index // per_page
            job.tick(page, total, _("Page {n} of {total}").format(n=page + 1, total=total))
        x, y = cells[slot]
        draw(c, x, y, cw, ch, index, item)
        if cut and per_page > 1:
            cut_marks(c, x, y, cw, ch)
    c.showPage()
    pages = c.page_count
    c.save()
    return pages


def pages_for(count: int, per_page: int) -> int:
    return max(1, math.ceil(count / per_page))
