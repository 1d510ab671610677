"""Text in the board paper's font: DejaVu Sans (bundled with matplotlib) when it is there, and
what to do with characters it cannot draw; Latin-1 for the core Helvetica font otherwise."""

from __future__ import annotations

import importlib.util
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from bot.domain.text import clean

_SKIN_TONES = range(0x1F3FB, 0x1F400)
_LATIN1_FALLBACKS = {
    "‘": "'",
    "’": "'",
    "‚": "'",
    "‛": "'",
    "“": '"',
    "”": '"',
    "„": '"',
    "‟": '"',
    "–": "-",
    "—": "-",
    "‐": "-",
    "‑": "-",
    "−": "-",
    "…": "...",
    "•": "-",
    "€": "EUR",
    "™": "(TM)",
    "\u00a0": " ",
}


@lru_cache(maxsize=1)
def unicode_font_paths() -> tuple[Path, Path] | None:
    """DejaVu Sans (regular, bold) from matplotlib's bundled fonts, if installed."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        fonts = Path(location) / "mpl-data" / "fonts" / "ttf"
        regular, bold = fonts / "DejaVuSans.ttf", fonts / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            return regular, bold
    return None


def _common(text: str) -> str:
    """The one sanitiser (bot.domain.text.clean: controls, bidi controls and zero-width characters
    go, CR or CRLF is a new line), and a tab is a space."""
    return clean(text).replace("\t", " ")


def _named(char: str) -> str:
    name = unicodedata.name(char, "")
    return f"[{name.lower()}]" if name else "?"


def _droppable(char: str) -> bool:
    """Invisible helpers that only modify a neighbour: variation selectors, joiners, skin tones."""
    return unicodedata.category(char) in ("Cf", "Mn", "Me") or ord(char) in _SKIN_TONES


def make_safe_for_font(text: str, has_glyph: Callable[[str], bool]) -> str:
    """Keep what the font can draw; drop invisible modifiers; name the rest ("[grinning face]")."""
    out: list[str] = []
    for char in _common(text):
        if char == "\n" or has_glyph(char):
            out.append(char)
        elif _droppable(char):
            continue
        else:
            out.append(_named(char))
    return "".join(out)


def latin1_safe(text: str) -> str:
    """Transliterate to Latin-1 for the core fonts: curly quotes straight, dashes to hyphens."""
    out: list[str] = []
    for char in _common(text):
        char = _LATIN1_FALLBACKS.get(char, char)
        try:
            char.encode("latin-1")
        except UnicodeEncodeError:
            decomposed = unicodedata.normalize("NFKD", char)
            stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
            try:
                stripped.encode("latin-1")
                char = stripped
            except UnicodeEncodeError:
                char = "" if _droppable(char) else _named(char)
        out.append(char)
    return "".join(out)
