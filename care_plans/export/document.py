"""The page every exported PDF is printed on: a Unicode TTF font, the client's name, ref and date
of birth with "Confidential" at the top of every page, "Page N of M" at the bottom, and the
few text blocks the documents are made of. Charts become PNGs here too.

Why a module of its own: the session summary and the crisis-plan page must identify the client
and carry the confidentiality marking on every page, wrap long text rather than cut it, and
give byte-identical files for the same data and generation time. Those rules are written once.
fpdf2's core fonts are Latin-1 only, so DejaVu Sans (Debian's fonts-dejavu-core, installed by
`make apt-deps`) is embedded; a missing font is a clear error, never a garbled PDF.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import altair as alt
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from care_plans.errors import DomainError

# fpdf2 warns about characters the font lacks by quoting them: that would put fragments of
# client names and plan text into the logs. Only its errors are let through.
logging.getLogger("fpdf").setLevel(logging.ERROR)

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
FONT = "DejaVu"
FACTS_GAP = 3.0  # mm between a fact's label and its value

MARGIN = 15.0
TOP = 24.0
BOTTOM = 18.0
INK = (33, 33, 33)
MUTED = (96, 96, 96)
ACCENT = (0, 84, 140)
RULE = (190, 190, 190)
WARN = (170, 40, 30)
WARN_FILL = (253, 236, 233)
CONFIDENTIAL = "CONFIDENTIAL"


class FontMissing(DomainError):
    """The TTF font the PDFs embed is not installed."""


def show_time(moment: datetime) -> str:
    return f"{moment.day} {moment:%b %Y %H:%M}"


def font_paths(font_dir: Path | None = None) -> dict[str, Path]:
    folder = font_dir or FONT_DIR
    paths = {style: folder / name for style, name in FONT_FILES.items()}
    missing = [str(p) for p in paths.values() if not p.is_file()]
    if missing:
        raise FontMissing(
            f"The PDF font is missing ({', '.join(missing)}). Install it with "
            "`sudo apt-get install fonts-dejavu-core` (or run `make apt-deps`) and try again."
        )
    return paths


def chart_png(chart: alt.TopLevelMixin) -> bytes:
    """A chart as a PNG at twice its size, sharp on paper."""
    import vl_convert

    return bytes(vl_convert.vegalite_to_png(chart.to_json(), scale=2))


class Document(FPDF):
    """A4 pages identifying the client on every page, with "Page N of M" at the bottom."""

    def __init__(self, *, identity: str, footer_text: str, generated_at: datetime,
                 title: str, author: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        for style, path in font_paths().items():
            self.add_font(FONT, style, str(path))
        self.identity = identity
        self.footer_text = footer_text
        self.set_margins(MARGIN, TOP, MARGIN)
        self.set_auto_page_break(True, margin=BOTTOM)
        self.set_creation_date(generated_at)
        self.set_title(title)
        self.set_author(author)
        self.set_creator("care-plans")
        self.set_lang("en-GB")
        self.set_text_color(*INK)

    # --- Every page ---------------------------------------------------------------------------

    def header(self) -> None:
        self.set_xy(MARGIN, 9)
        self.set_text_color(*WARN)
        self.set_font(FONT, "B", 9)
        mark_width = self.get_string_width(CONFIDENTIAL) + 2
        self.set_x(self.w - MARGIN - mark_width)
        self.cell(mark_width, 5, CONFIDENTIAL, align="R")
        self.set_x(MARGIN)
        self.set_text_color(*INK)
        # The identity never wraps into the body: a long name is set smaller instead.
        room = self.epw - mark_width - 4
        size = 9.0
        self.set_font(FONT, "B", size)
        while size > 5 and self.get_string_width(self.identity) > room:
            size -= 0.5
            self.set_font(FONT, "B", size)
        self.cell(room, 5, self.identity)
        self.set_draw_color(*RULE)
        self.set_line_width(0.3)
        self.line(MARGIN, 15.5, self.w - MARGIN, 15.5)
        self.set_xy(MARGIN, TOP)

    def footer(self) -> None:
        self.set_y(-13)
        self.set_draw_color(*RULE)
        self.line(MARGIN, self.get_y() - 1.5, self.w - MARGIN, self.get_y() - 1.5)
        self.set_font(FONT, "", 8)
        self.set_text_color(*MUTED)
        page = f"Page {self.page_no()} of {{nb}}"
        page_width = self.get_string_width(f"Page {self.page_no()} of 999") + 2
        self.cell(self.epw - page_width, 5, self.footer_text)
        self.cell(page_width, 5, page, align="R")
        self.set_text_color(*INK)

    # --- Blocks -------------------------------------------------------------------------------

    def keep_room(self, height: float) -> None:
        """Start a new page unless `height` mm fit on this one (no heading alone at the foot)."""
        if self.will_page_break(height):
            self.add_page()

    def title_block(self, title: str, subtitle: str = "", size: float = 18) -> None:
        self.set_font(FONT, "B", size)
        self.set_text_color(*ACCENT)
        self.multi_cell(0, size * 0.5, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*INK)
        if subtitle:
            self.set_font(FONT, "B", 11)
            self.set_text_color(*WARN)
            self.multi_cell(0, 6, subtitle, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.set_text_color(*INK)
        self.ln(2)

    def heading(self, text: str, size: float = 13) -> None:
        self.keep_room(size * 0.5 + 20)
        self.ln(3)
        self.set_font(FONT, "B", size)
        self.set_text_color(*ACCENT)
        self.multi_cell(0, size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(*ACCENT)
        self.set_line_width(0.4)
        self.line(MARGIN, self.get_y() + 0.5, self.w - MARGIN, self.get_y() + 0.5)
        self.set_text_color(*INK)
        self.ln(2.5)

    def subheading(self, text: str, size: float = 10.5) -> None:
        self.keep_room(size * 0.5 + 12)
        self.ln(1)
        self.set_font(FONT, "B", size)
        self.multi_cell(0, size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
        self.ln(0.5)

    def paragraph(self, text: str, *, size: float = 10, indent: float = 0,
                  bold: bool = False, muted: bool = False, empty: str = "") -> None:
        """Text wrapped to the page width (line breaks kept); never cut, whatever its length."""
        text = text.strip() or empty
        if not text:
            return
        self.set_font(FONT, "B" if bold else "", size)
        if muted:
            self.set_text_color(*MUTED)
        self.set_x(MARGIN + indent)
        self.multi_cell(self.epw - indent, size * 0.48, text, new_x=XPos.LMARGIN,
                        new_y=YPos.NEXT, align="L")
        self.set_text_color(*INK)
        self.ln(1)

    def labelled(self, label: str, text: str, *, size: float = 10, indent: float = 0) -> None:
        """"Label: text" with the label in bold, wrapping under itself."""
        text = text.strip()
        if not text:
            return
        self.set_x(MARGIN + indent)
        self.set_font(FONT, "B", size)
        width = self.get_string_width(label + " ") + 0.5
        if width > (self.epw - indent) / 3:  # a long label gets a line of its own
            self.paragraph(label, size=size, indent=indent, bold=True)
            self.paragraph(text, size=size, indent=indent)
            return
        self.cell(width, size * 0.48, label + " ")
        self.set_font(FONT, "", size)
        self.multi_cell(self.epw - indent - width, size * 0.48, text, new_x=XPos.LMARGIN,
                        new_y=YPos.NEXT, align="L")
        self.ln(1)

    def facts(self, rows: Sequence[tuple[str, str]], *, size: float = 10,
              label_width: float = 38) -> None:
        """A two-column list of label and value, values wrapping in their column. The label
        column is widened to its longest label and a gap (at most half the page), so a long
        label ("Client's agreement") never runs into its value."""
        self.set_font(FONT, "B", size)
        widest = max((self.get_string_width(label) for label, _ in rows), default=0.0)
        label_width = min(max(label_width, widest + FACTS_GAP), self.epw / 2)
        for label, value in rows:
            self.set_font(FONT, "B", size)
            self.cell(label_width, size * 0.5, label)
            self.set_font(FONT, "", size)
            self.multi_cell(self.epw - label_width, size * 0.5, value, new_x=XPos.LMARGIN,
                            new_y=YPos.NEXT, align="L")
        self.ln(1.5)

    def chart_height(self, png: bytes) -> float:
        """How tall (mm) a PNG chart is once set across the page width (from its IHDR)."""
        width = int.from_bytes(png[16:20], "big")
        height = int.from_bytes(png[20:24], "big")
        return self.epw * height / width if width else 0.0

    def notice(self, title: str, text: str, *, size: float = 10) -> None:
        """A title and a bold text on a tinted box, kept on one page (an emergency message)."""
        self.set_font(FONT, "B", size)
        lines = self.multi_cell(self.epw - 6, size * 0.48, text, dry_run=True, output="LINES")
        height = (size + 2) * 0.5 + 2 + len(lines) * size * 0.48 + 6
        self.keep_room(height + 2)
        top = self.get_y()
        self.set_fill_color(*WARN_FILL)
        self.set_draw_color(*WARN)
        self.rect(MARGIN, top, self.epw, height, style="DF")
        self.set_xy(MARGIN + 3, top + 3)
        self.set_font(FONT, "B", size + 2)
        self.set_text_color(*WARN)
        self.cell(self.epw - 6, (size + 2) * 0.5, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*INK)
        self.set_xy(MARGIN + 3, self.get_y() + 2)
        self.set_font(FONT, "B", size)
        self.multi_cell(self.epw - 6, size * 0.48, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT,
                        align="L")
        self.set_y(top + height + 2)

    def risk_box(self, title: str, lines: Sequence[tuple[str, str]], *, alert: bool,
                 size: float = 9.5) -> None:
        """A framed box of (style, text) lines under a bold title; red when `alert`. Styles:
        "B" bold, "" plain, "M" muted. Kept on one page when it fits on a page at all."""
        widths = self.epw - 6
        line_height = size * 0.48
        heights = []
        for style, text in lines:
            self.set_font(FONT, "B" if style == "B" else "", size)
            heights.append(len(self.multi_cell(widths, line_height, text, dry_run=True,
                                               output="LINES")) * line_height + 1)
        height = (size + 2.5) * 0.5 + 3 + sum(heights) + 4
        if height <= self.eph:
            self.keep_room(height + 2)
        top = self.get_y()
        colour = WARN if alert else ACCENT
        boxed = not self.will_page_break(height)
        if boxed:
            self.set_fill_color(*(WARN_FILL if alert else (236, 243, 249)))
            self.set_draw_color(*colour)
            self.set_line_width(0.6 if alert else 0.3)
            self.rect(MARGIN, top, self.epw, height, style="DF")
        self.set_xy(MARGIN + 3, top + 3)
        self.set_font(FONT, "B", size + 2.5)
        self.set_text_color(*colour)
        self.cell(widths, (size + 2.5) * 0.5, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*INK)
        self.ln(2)
        for style, text in lines:
            self.set_font(FONT, "B" if style == "B" else "", size)
            if style == "M":
                self.set_text_color(*MUTED)
            self.set_x(MARGIN + 3)
            self.multi_cell(widths, line_height, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT,
                            align="L")
            self.set_text_color(*INK)
            self.ln(1)
        if boxed:
            self.set_y(top + height + 2)
        else:
            self.ln(2)

    def chart(self, png: bytes, description: str) -> None:
        """A chart across the page width, on the next page if it does not fit on this one."""
        self.image(io.BytesIO(png), w=self.epw, alt_text=description)
        self.ln(2)

    def signature_line(self, role: str, name: str) -> None:
        self.ln(9)
        y = self.get_y()
        self.set_draw_color(*INK)
        self.set_line_width(0.3)
        self.line(MARGIN, y, MARGIN + 105, y)
        self.line(MARGIN + 120, y, self.w - MARGIN, y)
        self.set_font(FONT, "", 9)
        self.set_text_color(*MUTED)
        self.set_xy(MARGIN, y + 1)
        self.cell(105, 4.5, f"{role}: {name}")
        self.set_x(MARGIN + 120)
        self.cell(0, 4.5, "Date", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*INK)

    def to_bytes(self) -> bytes:
        return bytes(self.output())
