"""The Keras 3 box-table summary ('keras3'), drawn the way Keras 3 draws it (it uses the `rich`
library; we reproduce the same layout rules without depending on it).

Column widths: Keras 3 turns the positions into widths that add up to the line length, then each
column needs one space of padding on both sides and the table needs a border character between and
around the columns, so the total is too wide; the excess is taken back from the columns as evenly as
possible, left to right, rounding half to even (Python's round). Cells wrap at spaces; a word
longer than its cell is cut and ends with "…".

Example::

    >>> print(render_box(collect(model, "keras3"), None, None, False))
    Model: "functional"
    ┏━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━┓
    ...
"""
from __future__ import annotations

import re
import shutil

from .collect import SummaryInfo, readable_size

_WORD = re.compile(r"\s*\S+\s*")


def terminal_columns() -> int:
    """Columns of the terminal, 80 when output is not a terminal (or $COLUMNS when set)."""
    return shutil.get_terminal_size().columns


def _reduce_evenly(excess: int, widths: list[int]) -> list[int]:
    out, remaining, n = [], excess, len(widths)
    for w in widths:
        take = min(w, round(remaining / n))
        out.append(w - take)
        remaining -= take
        n -= 1
    return out


def column_widths(line_length: int, positions) -> list[int]:
    """Cell widths (padding included) of the columns whose ends are at ``positions``.

    Example: ``column_widths(76, [.3, .56, .74, 1.])`` is ``[21, 19, 12, 19]``.
    """
    positions = list(positions)
    if positions[-1] > 1:  # absolute column ends
        positions = [p / positions[-1] for p in positions]
    widths, current = [], 0
    for p in positions:
        w = int(p * line_length) - current
        if w < 4:
            raise ValueError(f"line_length={line_length} is too narrow for the summary table: a column would be "
                             f"{w} characters wide (at least 4 needed). Pass a larger line_length.")
        widths.append(w)
        current += w
    padded = [w + 2 for w in widths]
    room = line_length - (len(widths) + 1)  # minus the border characters
    if sum(padded) > room:
        padded = _reduce_evenly(sum(padded) - room, padded)
    return padded


def _fit(line: str, width: int) -> str:
    return line if len(line) <= width else line[:width - 1] + "…"


def wrap_cell(text: str, width: int, justify: str = "left") -> list[str]:
    """Lines of ``text`` in a cell ``width`` wide: wrapped at spaces, long words cut with "…".

    Example: ``wrap_cell("concatenate (Concatenate)", 19)`` is
    ``["concatenate        ", "(Concatenate)      "]``.
    """
    breaks, offset = [], 0
    for m in _WORD.finditer(text):
        word, start = m.group(), m.start()
        length = len(word.rstrip())
        if width - offset >= length:
            offset += len(word)
        elif length > width or (offset and start):
            if start:
                breaks.append(start)
            offset = len(word)
    pieces = [text[a:b] for a, b in zip([0] + breaks, breaks + [len(text)])]
    lines = []
    for piece in pieces:
        if len(piece) > width:  # drop trailing spaces that stick out of the cell
            trailing = len(piece) - len(piece.rstrip())
            piece = piece[:len(piece) - min(trailing, len(piece) - width)]
        if justify == "left":
            piece = _fit(piece, width).ljust(width)
        else:
            piece = _fit(piece.rstrip(), width)
            if justify == "right":
                piece = piece.rjust(width)
            else:
                left = (width - len(piece)) // 2
                piece = (" " * left + piece).ljust(width)
        lines.append(piece)
    return lines


def _table_rows(cells_by_row, widths, justify, left, mid, right):
    out = []
    for cells in cells_by_row:
        wrapped = [wrap_cell(c, w - 2, j) for c, w, j in zip(cells, widths, justify)]
        height = max(len(c) for c in wrapped)
        for i in range(height):
            parts = [f" {c[i] if i < len(c) else ' ' * (w - 2)} " for c, w in zip(wrapped, widths)]
            out.append(left + mid.join(parts) + right)
    return out


def render_box(info: SummaryInfo, line_length, positions, show_trainable) -> str:
    """The Keras 3 summary text (lines joined by newlines, with a final newline)."""
    seq = info.sequential_like
    if seq:
        default_len, default_pos = 88, [.45, .80, 1.]
        header, justify = ["Layer (type)", "Output Shape", "Param #"], ["left", "left", "right"]
    else:
        default_len, default_pos = 108, [.3, .56, .74, 1.]
        header, justify = ["Layer (type)", "Output Shape", "Param #", "Connected to"], ["left", "left", "right", "left"]
    positions = list(positions or default_pos)
    if show_trainable:
        default_len += 12
        positions = [p * .9 for p in positions] + [1.]
        header.append("Trainable")
        justify.append("center")
    console = terminal_columns()
    line_length = line_length or min(default_len, console - 4)
    widths = column_widths(line_length, positions)

    body = []
    for r in info.rows:
        name = ("   " * r.level + "└ " if r.level else "") + r.name
        cells = [name, r.shape, r.params]
        if not seq:
            cells.append(", ".join(r.connections) or "-")
        if show_trainable:
            cells.append(r.trainable)
        body.append(cells)

    def rule(a, fill, b, c):
        return a + b.join(fill * w for w in widths) + c

    lines = [f'Model: "{info.name}"', rule("┏", "━", "┳", "┓")]
    lines += _table_rows([header], widths, justify, "┃", "┃", "┃")
    lines.append(rule("┡", "━", "╇", "┩"))
    for i, cells in enumerate(body):
        if i:
            lines.append(rule("├", "─", "┼", "┤"))
        lines += _table_rows([cells], widths, justify, "│", "│", "│")
    lines.append(rule("└", "─", "┴", "┘"))
    total_bytes = info.trainable_bytes + info.non_trainable_bytes
    lines += [f" Total params: {info.total:,} ({readable_size(total_bytes)})",
              f" Trainable params: {info.trainable:,} ({readable_size(info.trainable_bytes)})",
              f" Non-trainable params: {info.non_trainable:,} ({readable_size(info.non_trainable_bytes)})"]
    # Keras 3 prints through a console as wide as the terminal: longer lines are cropped.
    return "".join(line[:console] + "\n" for line in lines)
