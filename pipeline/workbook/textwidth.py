"""How wide a text is in a workbook cell, so that a column can be made wide enough for its
longest word: character widths of Calibri 11 pt at 96 dpi, as Carlito (metrically the same font)
measures them. Widths in tenths of a pixel; a character not listed counts as the widest one.

Excel's column width counts the width of the digit 0 (7 px for Calibri 11) plus 5 px padding.
"""

from __future__ import annotations

import functools
import math

FONT = "Calibri"  # named on every cell style; LibreOffice shows it as Carlito, same widths
FONT_SIZE = 11
DIGIT_PIXELS = 7
CELL_PADDING = 5  # what Excel adds to the digit widths of a column
TEXT_MARGIN = 7  # the room a cell keeps free around its text, with a little to spare

CHARACTERS = " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~éëèêïíöóüúàáäçñ–—’‘“”€"
_REGULAR = (
    33,
    48,
    59,
    73,
    74,
    105,
    100,
    32,
    44,
    44,
    73,
    73,
    37,
    45,
    37,
    57,
    74,
    74,
    74,
    74,
    74,
    74,
    74,
    74,
    74,
    74,
    39,
    39,
    73,
    73,
    73,
    68,
    131,
    85,
    80,
    78,
    90,
    72,
    67,
    92,
    91,
    37,
    47,
    76,
    62,
    125,
    95,
    97,
    76,
    99,
    80,
    67,
    71,
    94,
    83,
    130,
    76,
    71,
    69,
    45,
    57,
    45,
    73,
    73,
    43,
    70,
    77,
    62,
    77,
    73,
    45,
    69,
    77,
    34,
    35,
    67,
    34,
    117,
    77,
    77,
    77,
    77,
    51,
    57,
    49,
    77,
    66,
    105,
    63,
    66,
    58,
    46,
    68,
    46,
    73,
    73,
    73,
    73,
    73,
    34,
    34,
    77,
    77,
    77,
    77,
    70,
    70,
    70,
    62,
    77,
    73,
    133,
    37,
    37,
    61,
    61,
    74,
)
_BOLD = (
    33,
    48,
    64,
    73,
    74,
    107,
    103,
    34,
    46,
    46,
    73,
    73,
    38,
    45,
    39,
    63,
    74,
    74,
    74,
    74,
    74,
    74,
    74,
    74,
    74,
    74,
    40,
    40,
    73,
    73,
    73,
    68,
    132,
    89,
    82,
    78,
    92,
    72,
    67,
    93,
    92,
    39,
    49,
    80,
    62,
    128,
    97,
    99,
    78,
    101,
    82,
    69,
    72,
    96,
    87,
    133,
    81,
    76,
    70,
    48,
    63,
    48,
    73,
    73,
    44,
    72,
    79,
    61,
    79,
    74,
    46,
    70,
    79,
    36,
    38,
    70,
    36,
    119,
    79,
    79,
    79,
    79,
    52,
    58,
    51,
    79,
    69,
    109,
    67,
    69,
    58,
    50,
    70,
    50,
    73,
    74,
    74,
    74,
    74,
    36,
    36,
    79,
    79,
    79,
    79,
    72,
    72,
    72,
    61,
    79,
    73,
    133,
    38,
    38,
    64,
    64,
    74,
)
WIDTHS = {
    False: dict(zip(CHARACTERS, _REGULAR, strict=True)),
    True: dict(zip(CHARACTERS, _BOLD, strict=True)),
}


_WIDEST = {bold: max(table.values()) for bold, table in WIDTHS.items()}


def text_pixels(text: str, *, bold: bool = False) -> float:
    """The width of a line of text in pixels."""
    table, widest = WIDTHS[bold], _WIDEST[bold]
    return sum(table.get(ch, widest) for ch in text) / 10


def column_pixels(width: float) -> int:
    """The width in pixels of a column of ``width`` characters."""
    return math.trunc(width * DIGIT_PIXELS + CELL_PADDING)


@functools.lru_cache(maxsize=4096)
def width_for(text: str, *, bold: bool = False) -> float:
    """The column width (in characters, to half a character) that fits ``text`` on one line."""
    pixels = text_pixels(text, bold=bold) + TEXT_MARGIN - CELL_PADDING
    return math.ceil(max(pixels, 0) / DIGIT_PIXELS * 2) / 2


# Every party workbook of a round measures the same headers and agreements again.
@functools.lru_cache(maxsize=65_536)
def lines(text: str, width: float, *, bold: bool = False) -> int:
    """How many lines ``text`` takes in a column of ``width`` characters when it wraps between
    words (a word longer than the column takes a line of its own and is cut off)."""
    room = column_pixels(width) - TEXT_MARGIN
    space = text_pixels(" ", bold=bold)
    count = 0
    for paragraph in text.split("\n"):
        count += 1
        used = 0.0
        for word in paragraph.split():
            size = text_pixels(word, bold=bold)
            if used and used + space + size > room:
                count += 1
                used = size
            else:
                used += (space if used else 0) + size
    return max(count, 1)
