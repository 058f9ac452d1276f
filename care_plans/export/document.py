"""The page every exported PDF is printed on: Unicode fonts, the client's name, ref and date of
birth with "Confidential" at the top of every page, "Page N of M" at the bottom, and the few text
blocks the documents are made of. Charts become PNGs here too.

Why a module of its own: the session summary and the crisis-plan page must identify the client
and carry the confidentiality marking on every page, wrap long text rather than cut it, and
give byte-identical files for the same data and generation time. Those rules are written once.

Fonts (which are embedded, which draws a character): care_plans.export.fonts.
"""

from __future__ import annotations

import copy
import io
import logging
import types
import unicodedata
from collections.abc import Sequence
from datetime import datetime
from typing import cast

import altair as alt
from fontTools import ttLib
from fpdf import FPDF
from fpdf.enums import MethodReturnValue, XPos, YPos
from fpdf.fonts import SubsetMap, TTFFont

from care_plans.dates import show_time as show_time  # re-exported: pdf.py dates its pages
from care_plans.export.fonts import (
    _HINTS,
    _KEPT,
    MAIN,
    REPLACEMENT,
    Face,
    _fallback_face,
    _template,
    font_paths,
    needs_shaping,
)
from care_plans.export.fonts import (
    FONT as FONT,  # re-exported: pdf.py sets text in it
)

# fpdf2 warns about characters the font lacks by quoting them: that would put fragments of
# client names and plan text into the logs. Only its errors are let through.
logging.getLogger("fpdf").setLevel(logging.ERROR)

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


def unbroken(text: str) -> str:
    """`text` (a phone number) that a line never breaks inside: its spaces made no-break."""
    return text.replace(" ", "\u00a0")


def chart_png(chart: alt.TopLevelMixin) -> bytes:
    """A chart as a PNG at twice its size, sharp on paper."""
    import vl_convert

    # Not validated against the Vega-Lite schema again (a third of a chart's time): the
    # builders' output is validated by the tests (tests/unit/test_charts.py).
    return bytes(vl_convert.vegalite_to_png(chart.to_json(validate=False), scale=2))


class Document(FPDF):
    """A4 pages identifying the client on every page, with "Page N of M" at the bottom."""

    def __init__(
        self, *, identity: str, footer_text: str, generated_at: datetime, title: str, author: str
    ) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        font_paths()  # every font there, or a clear error before anything is drawn
        # fpdf2 looks for a fallback font only when it has some: fallbacks are added when
        # first needed (get_fallback_font), so this placeholder, no font's key, stands in.
        self._fallback_font_ids = ["(fallback fonts, added when needed)"]
        for style, _ in MAIN.files:
            self._use_font(MAIN, style)
        # Bidirectional text in reading order, Arabic and Indic letters joined (HarfBuzz). It
        # doubles the time text takes to lay out, so only text that needs it is shaped.
        self.set_text_shaping(True)
        self._shaping = self.text_shaping
        self.text_shaping = None
        #: Characters printed as REPLACEMENT because no font has them (ids and counts only
        #: leave this document: the count goes into the audit event).
        self.replaced_glyphs = 0
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

    # --- Fonts -------------------------------------------------------------------------------

    def _use_font(self, face: Face, style: str) -> str:
        """The font key of `face` in `style`, copying it into this document when first used."""
        fontkey = f"{face.family.lower()}{style}"
        if fontkey not in self.fonts:
            template = _template(face.path(style), style, face.collection)
            font = copy.copy(template)  # shares the parsed font file, read only
            font.i = len(self.fonts) + 1
            font.fontkey = fontkey
            font.cw = copy.copy(template.cw)
            font.missing_glyphs = []
            font.biggest_size_pt = 0
            font.subset = SubsetMap(font)
            self.fonts[fontkey] = font
            if face is not MAIN:
                self._fallback_font_ids.append(fontkey)
            if font.is_cff and font.is_cid_keyed:
                self._set_min_pdf_version("1.6")
        return fontkey

    def get_fallback_font(self, char: str, style: str = "") -> str | None:
        """The font for a character DejaVu Sans lacks (fpdf2 asks while laying text out)."""
        found = _fallback_face(ord(char), style)
        return self._use_font(*found) if found is not None else None

    def _drawable(self, code: int) -> bool:
        font = self.current_font
        return (isinstance(font, TTFFont) and code in font.cmap) or (
            _fallback_face(code, self.font_style) is not None
        )

    def _printable(self, text: str) -> tuple[str, int]:
        """`text` with each character no font has as REPLACEMENT, and how many were."""
        cmap = self.current_font.cmap if isinstance(self.current_font, TTFFont) else {}
        if all(ord(c) in cmap or c in _KEPT for c in text):
            return text, 0
        out: list[str] = []
        replaced = 0
        for char in text:
            code = ord(char)
            if code in cmap or char in _KEPT or self._drawable(code):
                out.append(char)
            elif code in _HINTS or unicodedata.category(char) == "Cf":
                continue  # a zero-width presentation or format mark: nothing to print
            else:
                out.append(REPLACEMENT)
                replaced += 1
        return "".join(out), replaced

    def normalize_text(self, text: str) -> str:
        """Every text fpdf2 prints comes through here: what no font has is replaced, visibly,
        and counted when it is really written (not when only measured or laid out)."""
        text, replaced = self._printable(super().normalize_text(text))
        self.text_shaping = self._shaping if needs_shaping(text) else None
        if replaced and isinstance(self._out, types.MethodType):  # not a dry run
            self.replaced_glyphs += replaced
        return text

    def get_string_width(self, s: str, normalized: bool = False, markdown: bool = False) -> float:
        if not normalized:  # measuring prints nothing: nothing to count
            s = self._printable(s)[0]
            self.text_shaping = self._shaping if needs_shaping(s) else None
        return super().get_string_width(s, normalized=True, markdown=markdown)

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
        self.multi_cell(0, size * 0.5, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
        self.set_text_color(*INK)
        if subtitle:
            self.set_font(FONT, "B", 11)
            self.set_text_color(*WARN)
            self.multi_cell(0, 6, subtitle, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
            self.set_text_color(*INK)
        self.ln(2)

    def _wrapped_height(self, text: str, line_height: float) -> float:
        """How tall `text` is in the current font across the page's width."""
        height = self.multi_cell(
            0, line_height, text, dry_run=True, output=MethodReturnValue.HEIGHT, align="L"
        )
        return float(cast("float", height))

    def heading(self, text: str, size: float = 13) -> None:
        self.set_font(FONT, "B", size)
        # The heading, however many lines it wraps to, with room for what follows it.
        self.keep_room(3 + self._wrapped_height(text, size * 0.5) + 20)
        self.ln(3)
        self.set_font(FONT, "B", size)
        self.set_text_color(*ACCENT)
        self.multi_cell(0, size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
        self.set_draw_color(*ACCENT)
        self.set_line_width(0.4)
        self.line(MARGIN, self.get_y() + 0.5, self.w - MARGIN, self.get_y() + 0.5)
        self.set_text_color(*INK)
        self.ln(2.5)

    def subheading(self, text: str, size: float = 10.5) -> None:
        self.set_font(FONT, "B", size)
        self.keep_room(1 + self._wrapped_height(text, size * 0.5) + 12)
        self.ln(1)
        self.set_font(FONT, "B", size)
        self.multi_cell(0, size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
        self.ln(0.5)

    def paragraph(
        self,
        text: str,
        *,
        size: float = 10,
        indent: float = 0,
        bold: bool = False,
        muted: bool = False,
        empty: str = "",
    ) -> None:
        """Text wrapped to the page width (line breaks kept); never cut, whatever its length."""
        text = text.strip() or empty
        if not text:
            return
        self.set_font(FONT, "B" if bold else "", size)
        if muted:
            self.set_text_color(*MUTED)
        self.set_x(MARGIN + indent)
        self.multi_cell(
            self.epw - indent, size * 0.48, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L"
        )
        self.set_text_color(*INK)
        self.ln(1)

    def labelled(self, label: str, text: str, *, size: float = 10, indent: float = 0) -> None:
        """ "Label: text" with the label in bold, wrapping under itself."""
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
        self.multi_cell(
            self.epw - indent - width,
            size * 0.48,
            text,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
            align="L",
        )
        self.ln(1)

    def facts(
        self, rows: Sequence[tuple[str, str]], *, size: float = 10, label_width: float = 38
    ) -> None:
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
            self.multi_cell(
                self.epw - label_width,
                size * 0.5,
                value,
                new_x=XPos.LMARGIN,
                new_y=YPos.NEXT,
                align="L",
            )
        self.ln(1.5)

    def chart_height(self, png: bytes) -> float:
        """How tall (mm) a PNG chart is once set across the page width (from its IHDR)."""
        width = int.from_bytes(png[16:20], "big")
        height = int.from_bytes(png[20:24], "big")
        return self.epw * height / width if width else 0.0

    def notice(self, title: str, text: str, *, size: float = 10) -> None:
        """A title and a bold text on a tinted box, kept on one page (an emergency message)."""
        self.set_font(FONT, "B", size)
        # output="LINES" gives the wrapped lines (fpdf2 types every output mode as one Union)
        lines = cast(
            "list[str]",
            self.multi_cell(self.epw - 6, size * 0.48, text, dry_run=True, output="LINES"),
        )
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
        self.multi_cell(
            self.epw - 6, size * 0.48, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L"
        )
        self.set_y(top + height + 2)

    def risk_box(
        self, title: str, lines: Sequence[tuple[str, str]], *, alert: bool, size: float = 9.5
    ) -> None:
        """A framed box of (style, text) lines under a bold title; red when `alert`. Styles:
        "B" bold, "" plain, "M" muted. Kept on one page when it fits on a page at all."""
        widths = self.epw - 6
        line_height = size * 0.48
        heights = []
        for style, text in lines:
            self.set_font(FONT, "B" if style == "B" else "", size)
            wrapped = cast(
                "list[str]",
                self.multi_cell(widths, line_height, text, dry_run=True, output="LINES"),
            )
            heights.append(len(wrapped) * line_height + 1)
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
            self.multi_cell(
                widths, line_height, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L"
            )
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
        # Writing the file subsets each font in place: each gets its own copy of the file
        # for that, the parsed one stays whole for the next document.
        for font in self.fonts.values():
            if isinstance(font, TTFFont):
                font.ttfont = ttLib.TTFont(
                    font.ttffile,
                    recalcTimestamp=False,
                    lazy=True,
                    fontNumber=font.collection_font_number,
                )
        return bytes(self.output())
