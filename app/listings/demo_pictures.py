"""Simple, distinct demo pictures drawn with Pillow: a coloured background, a shape for
the kind of item and its name."""

from __future__ import annotations

import io
import textwrap
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

W, H = 800, 600
PALETTE = ((38, 70, 83), (42, 157, 143), (233, 196, 106), (244, 162, 97), (231, 111, 81),
           (69, 123, 157), (168, 218, 220), (131, 56, 236), (58, 134, 255), (255, 190, 11))
INK = (250, 250, 245)


def _chair(d: ImageDraw.ImageDraw, c) -> None:
    d.rectangle((330, 150, 470, 300), fill=c)
    d.rectangle((310, 300, 490, 340), fill=c)
    for x in (320, 470):
        d.rectangle((x, 340, x + 12, 450), fill=c)


def _desk(d, c) -> None:
    d.rectangle((200, 220, 600, 250), fill=c)
    for x in (215, 570):
        d.rectangle((x, 250, x + 15, 420), fill=c)


def _door(d, c) -> None:
    d.rectangle((320, 110, 480, 450), outline=c, width=10)
    d.ellipse((450, 280, 466, 296), fill=c)


def _window(d, c) -> None:
    d.rectangle((270, 130, 530, 430), outline=c, width=12)
    d.line((400, 130, 400, 430), fill=c, width=10)
    d.line((270, 280, 530, 280), fill=c, width=10)


def _brick(d, c) -> None:
    for row in range(6):
        offset = 0 if row % 2 else 40
        for col in range(5):
            x = 220 + offset + col * 80
            d.rectangle((x, 140 + row * 45, x + 74, 180 + row * 45), fill=c)


def _beam(d, c) -> None:
    d.rectangle((300, 140, 500, 170), fill=c)
    d.rectangle((385, 170, 415, 400), fill=c)
    d.rectangle((300, 400, 500, 430), fill=c)


def _tiles(d, c) -> None:
    for i in range(4):
        for j in range(4):
            d.rectangle((250 + i * 75, 130 + j * 75, 318 + i * 75, 198 + j * 75), fill=c)


def _sofa(d, c) -> None:
    d.rounded_rectangle((200, 200, 600, 300), radius=30, fill=c)
    d.rounded_rectangle((180, 280, 620, 380), radius=30, fill=c)
    d.rectangle((210, 380, 225, 420), fill=c)
    d.rectangle((575, 380, 590, 420), fill=c)


def _lamp(d, c) -> None:
    d.polygon(((340, 260), (460, 260), (420, 160), (380, 160)), fill=c)
    d.rectangle((395, 260, 405, 420), fill=c)
    d.rectangle((350, 420, 450, 435), fill=c)


def _monitor(d, c) -> None:
    d.rectangle((240, 140, 560, 340), outline=c, width=12)
    d.rectangle((390, 340, 410, 400), fill=c)
    d.rectangle((330, 400, 470, 415), fill=c)


def _shelf(d, c) -> None:
    d.rectangle((290, 120, 510, 440), outline=c, width=10)
    for y in (200, 280, 360):
        d.line((290, y, 510, y), fill=c, width=8)


def _timber(d, c) -> None:
    for i in range(5):
        d.rectangle((180, 150 + i * 55, 620, 190 + i * 55), fill=c)


def _panel(d, c) -> None:
    d.rectangle((260, 130, 540, 430), fill=c)


def _box(d, c) -> None:
    d.polygon(((300, 200), (400, 150), (500, 200), (400, 250)), fill=c)
    d.polygon(((300, 200), (400, 250), (400, 420), (300, 370)), outline=c, width=8)
    d.polygon(((500, 200), (400, 250), (400, 420), (500, 370)), outline=c, width=8)


SHAPES = {"chair": _chair, "desk": _desk, "door": _door, "window": _window, "brick": _brick,
          "beam": _beam, "tiles": _tiles, "sofa": _sofa, "lamp": _lamp, "monitor": _monitor,
          "shelf": _shelf, "timber": _timber, "panel": _panel, "box": _box}


FONTS = ("DejaVuSans.ttf", "LiberationSans-Regular.ttf", "Arial.ttf", "arial.ttf",
         "Helvetica.ttc")
FOLD = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "Æ": "AE", "Ø": "O", "Å": "A"})


@lru_cache(maxsize=1)
def _font() -> tuple[ImageFont.FreeTypeFont | ImageFont.ImageFont, bool]:
    """A system font with æ, ø and å (Pillow searches the usual font folders); else
    Pillow's own font, whose text is then folded to ASCII so no letter shows as a box."""
    for name in FONTS:
        try:
            return ImageFont.truetype(name, 34), True
        except OSError:
            continue
    return ImageFont.load_default(size=34), False


def draw(kind: str, title: str, seed: int = 0) -> bytes:
    """A JPEG of ``kind`` with ``title`` written under it."""
    background = PALETTE[seed % len(PALETTE)]
    image = Image.new("RGB", (W, H), background)
    d = ImageDraw.Draw(image)
    r, g, b = background
    ink = (30, 30, 30) if 0.299 * r + 0.587 * g + 0.114 * b > 150 else INK
    SHAPES.get(kind, _box)(d, ink)
    font, full = _font()
    title = title if full else title.translate(FOLD)
    lines = textwrap.wrap(title, 34)[:2]
    for i, line in enumerate(lines):
        width = d.textlength(line, font=font)
        d.text(((W - width) / 2, 480 + i * 44), line, font=font, fill=ink)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()
