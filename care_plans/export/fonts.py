"""The fonts every exported PDF embeds, and which of them draws a character.

fpdf2's core fonts are Latin-1 only, so DejaVu Sans (Debian's fonts-dejavu-core) is embedded,
with fallback fonts for what a client may write that DejaVu lacks: Noto Sans for Hebrew, Arabic
and the Indic scripts (fonts-noto-core), Noto Sans CJK (fonts-noto-cjk) and Symbola's
monochrome emoji (fonts-symbola; colour emoji fonts are bitmaps fpdf2 cannot embed). Text
shaping (HarfBuzz, the uharfbuzz package) puts right-to-left text in reading order and joins
Arabic letters. All are installed by `make apt-deps`; a missing font is a clear error naming the
package, never a garbled PDF. A character no font has is printed as REPLACEMENT (never dropped)
and counted: the count goes into the export's audit event.

Each font file is parsed once per process (a 19 MB CJK collection takes half a second) and
copied into each document (care_plans.export.document); a fallback font is added to a document
only when its text needs it.
"""

from __future__ import annotations

import threading
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from fontTools import ttLib
from fpdf import FPDF
from fpdf.fonts import TTFFont

from care_plans.errors import DomainError

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
NOTO_DIR = Path("/usr/share/fonts/truetype/noto")
CJK_DIR = Path("/usr/share/fonts/opentype/noto")
SYMBOLA_DIR = Path("/usr/share/fonts/truetype/ancient-scripts")
FONT = "DejaVu"
#: What a character no font has is printed as (U+FFFD REPLACEMENT CHARACTER, in DejaVu Sans).
REPLACEMENT = "\ufffd"


@dataclass(frozen=True)
class Face:
    """One font family of a Debian package: its files by style ("" regular, "B" bold; a
    family without a bold file prints bold text in its regular face)."""

    family: str
    package: str
    folder: str  # the name of one of this module's *_DIR paths, read when used (tests move it)
    files: tuple[tuple[str, str], ...]
    collection: int = 0  # the face of a .ttc collection
    #: Code point ranges looked up in this face (none: any). Keeps the CJK collection unopened
    #: for a character it could not have anyway.
    ranges: tuple[tuple[int, int], ...] = ()

    def covers_range(self, code: int) -> bool:
        return not self.ranges or any(low <= code <= high for low, high in self.ranges)

    def path(self, style: str) -> Path:
        names = dict(self.files)
        folder: Path = globals()[self.folder]
        return folder / names.get(style, names[""])


def _noto(script: str) -> Face:
    return Face(
        f"Noto{script}",
        "fonts-noto-core",
        "NOTO_DIR",
        (("", f"NotoSans{script}-Regular.ttf"), ("B", f"NotoSans{script}-Bold.ttf")),
    )


MAIN = Face(
    FONT, "fonts-dejavu-core", "FONT_DIR", (("", "DejaVuSans.ttf"), ("B", "DejaVuSans-Bold.ttf"))
)
#: Where a character DejaVu Sans lacks is looked for, in this order.
FALLBACKS = (
    _noto("Hebrew"),
    _noto("Arabic"),
    _noto("Devanagari"),
    _noto("Bengali"),
    _noto("Gurmukhi"),
    _noto("Gujarati"),
    _noto("Tamil"),
    _noto("Thai"),
    Face(
        "NotoCJK",
        "fonts-noto-cjk",
        "CJK_DIR",
        (("", "NotoSansCJK-Regular.ttc"), ("B", "NotoSansCJK-Bold.ttc")),
        ranges=(
            (0x1100, 0x11FF),
            (0x2E80, 0x2FFF),
            (0x3000, 0x9FFF),
            (0xA960, 0xA97F),
            (0xAC00, 0xD7FF),
            (0xF900, 0xFAFF),
            (0xFE30, 0xFE4F),
            (0xFF00, 0xFFEF),
            (0x1B000, 0x1B16F),
            (0x1F200, 0x1F2FF),
            (0x20000, 0x3FFFF),
        ),
    ),
    Face("Symbola", "fonts-symbola", "SYMBOLA_DIR", (("", "Symbola_hint.ttf"),)),
)
FACES = (MAIN, *FALLBACKS)
#: Characters that are kept whether or not a font draws them: line breaks and tabs.
_KEPT = frozenset("\n\r\t")
#: Presentation hints with nothing to draw (emoji/text variation selectors): left out when no
#: font has them, as a font would print them as an empty box.
_HINTS = frozenset(range(0xFE00, 0xFE10)) | frozenset(range(0xE0100, 0xE01F0))


class FontMissing(DomainError):
    """A font the PDFs embed is not installed."""


def font_paths() -> dict[tuple[str, str], Path]:
    """Every font file the PDFs may embed, by (family, style); FontMissing names the Debian
    packages to install when any is missing."""
    paths = {(face.family, style): face.path(style) for face in FACES for style, _ in face.files}
    missing = {
        face.package: None
        for face in FACES
        for style, _ in face.files
        if not face.path(style).is_file()
    }
    if missing:
        files = [str(p) for p in paths.values() if not p.is_file()]
        packages = " ".join(missing)
        raise FontMissing(
            f"The PDF fonts are missing ({', '.join(files)}). Install them with "
            f"`sudo apt-get install {packages}` (or run `make apt-deps`) and try again."
        )
    return paths


_LOCK = threading.Lock()


@cache
def _coverage(path: Path, collection: int) -> frozenset[int]:
    """The code points a font file has glyphs for (read once per process)."""
    font = ttLib.TTFont(path, fontNumber=collection, lazy=True)
    try:
        return frozenset(font.getBestCmap() or {})
    finally:
        font.close()


def needs_shaping(text: str) -> bool:
    """Whether `text` has right-to-left letters or combining marks (Arabic, Hebrew, Indic
    scripts, Thai): text HarfBuzz must shape to print in reading order and joined up."""
    if text.isascii():
        return False
    return any(
        char >= "\u0590"
        and (
            unicodedata.bidirectional(char) in ("R", "AL", "AN")
            or unicodedata.category(char) in ("Mn", "Mc")
        )
        for char in text
    )


@lru_cache(maxsize=65536)
def _fallback_face(code: int, style: str) -> tuple[Face, str] | None:
    """The fallback face (and its style) that draws a code point, or None when none does."""
    for face in FALLBACKS:
        if not face.covers_range(code):
            continue
        face_style = style if style in dict(face.files) else ""
        if code in _coverage(face.path(face_style), face.collection):
            return face, face_style
    if style and code in _coverage(MAIN.path(""), MAIN.collection):
        return MAIN, ""  # in DejaVu Sans, though not in its bold
    return None


_TEMPLATES: dict[tuple[Path, str, int], TTFFont] = {}


def _template(path: Path, style: str, collection: int) -> TTFFont:
    """The font parsed once per process, for documents to copy."""
    key = (path, style, collection)
    with _LOCK:
        cached = _TEMPLATES.get(key)
        if cached is not None:
            return cached
        holder = FPDF()
        holder.add_font("template", style, str(path), collection_font_number=collection)
        font = holder.fonts["template" + style]
        assert isinstance(font, TTFFont)  # add_font of a file always makes one
        font.ttfont.getGlyphOrder()  # loaded now, not lazily by two threads at once
        _TEMPLATES[key] = font
        return font
