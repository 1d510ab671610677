"""Draws the Teams app's two icons into this folder (run it again after changing the design):

* ``color.png``, 192×192: a rounded square in the app's calm blue with a white checklist
  (three rows, each a tick and a line), drawn at four times the size and scaled down so its
  edges are smooth;
* ``outline.png``, 32×32: the same checklist in white on a transparent background. Teams wants
  only white and transparent pixels here, so every pixel's colour is white and only its
  transparency varies.

    .venv/bin/python teams/make_icons.py

Pillow comes with matplotlib, which the app already needs.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent
BLUE = (44, 74, 110, 255)  # #2c4a6e, the Slack app's background colour and the accent colour
WHITE = (255, 255, 255, 255)
SCALE = 4  # drawn this many times larger, then scaled down


def checklist(
    draw: ImageDraw.ImageDraw, left: float, top: float, size: float, ink: int | tuple[int, ...]
) -> None:
    """Three rows inside the square (left, top, size): a tick, then a line, in ``ink``."""
    row = size / 3
    stroke = max(round(size * 0.085), 1)
    for n in range(3):
        y = top + row * n + row / 2
        tick = [
            (left + size * 0.02, y),
            (left + size * 0.11, y + row * 0.26),
            (left + size * 0.28, y - row * 0.28),
        ]
        draw.line(tick, fill=ink, width=stroke, joint="curve")
        draw.rounded_rectangle(
            (left + size * 0.40, y - stroke / 2, left + size, y + stroke / 2),
            radius=stroke / 2,
            fill=ink,
        )


def color_icon() -> Image.Image:
    big = 192 * SCALE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=big * 0.18, fill=BLUE)
    checklist(draw, big * 0.22, big * 0.22, big * 0.56, WHITE)
    return image.resize((192, 192), Image.Resampling.LANCZOS)


def outline_icon() -> Image.Image:
    big = 32 * SCALE
    mask = Image.new("L", (big, big), 0)
    draw = ImageDraw.Draw(mask)
    checklist(draw, big * 0.06, big * 0.06, big * 0.88, 255)  # 255: fully covered
    alpha = mask.resize((32, 32), Image.Resampling.LANCZOS)
    alpha = alpha.point(lambda a: 0 if a < 24 else a)  # no faint specks
    image = Image.new("RGBA", (32, 32), (255, 255, 255, 0))
    image.putalpha(alpha)
    return image


def main() -> None:
    color_icon().save(HERE / "color.png", optimize=True)
    outline_icon().save(HERE / "outline.png", optimize=True)
    print(f"wrote {HERE / 'color.png'} and {HERE / 'outline.png'}")


if __name__ == "__main__":
    main()
