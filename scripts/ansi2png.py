#!/usr/bin/env python3
"""Render a terminal screen captured with `tmux capture-pane -e -p` into a PNG.

Usage: ansi2png.py INPUT.ansi OUTPUT.png --cols 120 --rows 40 [--font-size 15] [--font FILE]

The capture is fed to a pyte Screen of exactly COLS x ROWS, one captured line per row (CR LF
between rows, none after the last, so nothing scrolls away), then every cell is drawn with
Pillow: background, glyph in DejaVu Sans Mono (bold face for bold cells), reverse video swapping
the two colours. Light box-drawing lines and block elements are drawn as shapes so borders join
without gaps between rows.
"""
import argparse
import sys

import pyte
from PIL import Image, ImageDraw, ImageFont

FONT_DIR = "/usr/share/fonts/truetype/dejavu/"
DEFAULT_FG = (0xD0, 0xD0, 0xD0)
DEFAULT_BG = (0x1C, 0x1C, 0x1C)

# The 16 ANSI colours (xterm's defaults) under pyte's names; pyte calls yellow "brown".
ANSI16 = [
    (0x00, 0x00, 0x00), (0xCD, 0x00, 0x00), (0x00, 0xCD, 0x00), (0xCD, 0xCD, 0x00),
    (0x00, 0x00, 0xEE), (0xCD, 0x00, 0xCD), (0x00, 0xCD, 0xCD), (0xE5, 0xE5, 0xE5),
    (0x7F, 0x7F, 0x7F), (0xFF, 0x00, 0x00), (0x00, 0xFF, 0x00), (0xFF, 0xFF, 0x00),
    (0x5C, 0x5C, 0xFF), (0xFF, 0x00, 0xFF), (0x00, 0xFF, 0xFF), (0xFF, 0xFF, 0xFF),
]
NAMES = ["black", "red", "green", "brown", "blue", "magenta", "cyan", "white"]
NAMED = {}
for i, name in enumerate(NAMES):
    NAMED[name] = ANSI16[i]
    NAMED["bright" + name] = ANSI16[i + 8]
NAMED["yellow"] = NAMED["brown"]
NAMED["brightyellow"] = NAMED["brightbrown"]


def xterm256(index):
    """RGB of xterm colour `index` (0-255): 16 ANSI, a 6x6x6 cube, 24 greys."""
    if index < 16:
        return ANSI16[index]
    if index < 232:
        index -= 16
        levels = [0, 95, 135, 175, 215, 255]
        return (levels[index // 36], levels[(index // 6) % 6], levels[index % 6])
    grey = 8 + (index - 232) * 10
    return (grey, grey, grey)


def rgb(colour, default, bold=False):
    """pyte's colour (a name, "default", or 6 hex digits for 256-colour and RGB) as an RGB tuple."""
    if colour == "default":
        return default
    if colour in NAMED:
        # Bold brightens the 8 basic colours, as xterm does.
        if bold and not colour.startswith("bright") and "bright" + colour in NAMED:
            return NAMED["bright" + colour]
        return NAMED[colour]
    if len(colour) == 6:
        try:
            return tuple(int(colour[i:i + 2], 16) for i in (0, 2, 4))
        except ValueError:
            pass
    if colour.isdigit():
        return xterm256(int(colour))
    return default


# Light box drawing: which arms (up, down, left, right) each character has.
BOX = {
    "─": "lr", "│": "ud", "┌": "dr", "┐": "dl", "└": "ur", "┘": "ul",
    "├": "udr", "┤": "udl", "┬": "dlr", "┴": "ulr", "┼": "udlr",
}
BLOCKS = {"▁": 1, "▂": 2, "▃": 3, "▄": 4, "▅": 5, "▆": 6, "▇": 7, "█": 8}


def draw_box(draw, char, x, y, w, h, colour):
    arms = BOX[char]
    cx, cy = x + w // 2, y + h // 2
    t = max(1, w // 9)
    if "l" in arms:
        draw.rectangle([x, cy, cx, cy + t - 1], fill=colour)
    if "r" in arms:
        draw.rectangle([cx, cy, x + w - 1, cy + t - 1], fill=colour)
    if "u" in arms:
        draw.rectangle([cx, y, cx + t - 1, cy], fill=colour)
    if "d" in arms:
        draw.rectangle([cx, cy, cx + t - 1, y + h - 1], fill=colour)


def render(text, cols, rows, font_size, font_path, bold_path, padding=8):
    screen = pyte.Screen(cols, rows)
    stream = pyte.Stream(screen)
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    stream.feed("\r\n".join(lines[:rows]))

    regular = ImageFont.truetype(font_path, font_size)
    bold = ImageFont.truetype(bold_path, font_size)
    ascent, descent = regular.getmetrics()
    cell_w = round(regular.getlength("M"))
    cell_h = ascent + descent
    image = Image.new("RGB", (cols * cell_w + 2 * padding, rows * cell_h + 2 * padding), DEFAULT_BG)
    draw = ImageDraw.Draw(image)

    for row in range(rows):
        line = screen.buffer[row]
        for col in range(cols):
            cell = line[col]
            fg = rgb(cell.fg, DEFAULT_FG, bold=cell.bold)
            bg = rgb(cell.bg, DEFAULT_BG)
            if cell.reverse:
                fg, bg = bg, fg
            x, y = padding + col * cell_w, padding + row * cell_h
            char = cell.data
            wide = False
            if col + 1 < cols and line[col + 1].data == "" and char:
                wide = True
            width = cell_w * (2 if wide else 1)
            if bg != DEFAULT_BG:
                draw.rectangle([x, y, x + width - 1, y + cell_h - 1], fill=bg)
            if not char or char == " ":
                continue
            if char in BOX:
                draw_box(draw, char, x, y, cell_w, cell_h, fg)
            elif char in BLOCKS:
                top = y + cell_h - cell_h * BLOCKS[char] // 8
                draw.rectangle([x, top, x + cell_w - 1, y + cell_h - 1], fill=fg)
            else:
                draw.text((x, y), char, font=bold if cell.bold else regular, fill=fg)
            if cell.underscore:
                draw.line([x, y + cell_h - 2, x + width - 1, y + cell_h - 2], fill=fg)
    return image


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("input")
    parser.add_argument("output")
    parser.add_argument("--cols", type=int, required=True)
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--font-size", type=int, default=15)
    parser.add_argument("--font", default=FONT_DIR + "DejaVuSansMono.ttf")
    parser.add_argument("--bold-font", default=FONT_DIR + "DejaVuSansMono-Bold.ttf")
    args = parser.parse_args(argv)
    with open(args.input, encoding="utf-8", errors="replace") as handle:
        text = handle.read()
    image = render(text, args.cols, args.rows, args.font_size, args.font, args.bold_font)
    image.save(args.output)


if __name__ == "__main__":
    main(sys.argv[1:])
