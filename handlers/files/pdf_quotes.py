"""Member text in the board paper: every line of what a person typed is set as a quote
(indented, grey, each typed line marked with a bar), so no line of it reads as the paper's own."""

from __future__ import annotations

from collections.abc import Callable

from fpdf import FPDF, XPos, YPos

from bot.domain.text import clean

QUOTE_INDENT = 8.0
QUOTE_MARK = "| "
QUOTE_GREY = (70, 70, 70)


def quoted(
    pdf: FPDF,
    safe: Callable[[str], str],
    family: str,
    attribution: str,
    text: str,
    size: float = 9,
) -> None:
    """``attribution`` (the paper's own: who, on which question), then ``text`` as a quote;
    ``safe`` makes text drawable in ``family``."""
    pdf.set_font(family, "B", size)
    pdf.set_x(pdf.l_margin)
    pdf.multi_cell(0, size * 0.5, safe(attribution), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    margin = pdf.l_margin
    pdf.set_left_margin(margin + QUOTE_INDENT)
    pdf.set_text_color(*QUOTE_GREY)
    pdf.set_font(family, "", size)
    try:
        for line in clean(text).split("\n"):
            pdf.set_x(pdf.l_margin)
            pdf.multi_cell(
                0, size * 0.5, QUOTE_MARK + safe(line), new_x=XPos.LMARGIN, new_y=YPos.NEXT
            )
    finally:
        pdf.set_left_margin(margin)
        pdf.set_text_color(0, 0, 0)
    pdf.ln(1)


def quote_lines(text: str) -> str:
    """Typed text for a table cell: every line marked as a quote."""
    return "\n".join(QUOTE_MARK + line for line in clean(text).split("\n"))
