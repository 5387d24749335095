"""The text summaries of Keras 2.3 ('keras2') and tf.keras 2.13+ ('tf2'): fixed-width columns.

keras2 cuts a cell at its column's end (``batch_normalization_1 (BatchNor``); tf2 starts every row
with a space and wraps a long cell onto further lines, preferring breaks after ``),`` ``},`` ``],``
``',``. Both call ``print_fn`` once per line (KERAS_FACTS §2.1, §2.2).

Example::

    >>> lines = []
    >>> render_classic(collect(model, "keras2"), summary_style("keras2"), None, None, False, lines.append)
    >>> lines[0]
    'Model: "model_1"'
"""
from __future__ import annotations

from ..generations import SummaryStyle

from .collect import SummaryInfo, readable_size

# (line length, column ends as fractions) for sequential-like and graph-shaped models.
_LAYOUT = {
    "keras2": ((65, (.45, .85, 1.)), (98, (.33, .55, .67, 1.))),
    "tf2": ((65, (.45, .85, 1.)), (98, (.3, .6, .7, 1.))),
}
_HEADER = ["Layer (type)", "Output Shape", "Param #", "Connected to"]


def _keras2_row(fields, positions) -> str:
    # Append cell by cell, cut at the column end, pad to it; the character before each new cell
    # is forced to a space so that a cut cell never touches the next one.
    line = ""
    for text, end in zip(fields, positions):
        if line:
            line = line[:-1] + " "
        line = (line + str(text))[:end]
        line += " " * (end - len(line))
    return line


def _tf2_rows(fields, positions, level=0) -> list[str]:
    """One logical row as one or more printed lines (tf.keras wraps instead of cutting)."""
    left = [str(f) for f in fields]
    last = len(positions) - 1
    lines = []
    while any(left):
        line = ""
        for col, text in enumerate(left):
            start = positions[col - 1] if col else 0
            gap = 2 if col != last else 0
            # w-3 characters per cell; the last cell holds its full width w (tf_keras's print_row)
            cutoff = positions[col] - start - gap - (col != last)
            if col == 0:
                cutoff -= level
            piece = text[:cutoff]
            breaks = [piece.find(b) + len(b) for b in ("),", "},", "],", "',") if piece.find(b) >= 0]
            if breaks:
                cutoff = min(breaks)
                piece = piece[:cutoff]
            if col == 0:
                line += "|" * level + " "
            line += piece + " " * gap
            left[col] = text[cutoff:]
            line += " " * (positions[col] - len(line) - (level if col == last else 0))
        lines.append(line + "|" * level)
    return lines


def _positions(style, sequential_like, line_length, positions, show_trainable):
    (seq_len, seq_pos), (graph_len, graph_pos) = _LAYOUT[style.name]
    default_len, default_pos = (seq_len, seq_pos) if sequential_like else (graph_len, graph_pos)
    line_length = line_length or default_len
    positions = list(positions or default_pos)
    if positions[-1] <= 1:
        positions = [int(line_length * p) for p in positions]
    if show_trainable:  # as tf.keras: an 11-character column after the others
        line_length += 11
        positions.append(line_length)
    return line_length, positions


def render_classic(info: SummaryInfo, style: SummaryStyle, line_length, positions, show_trainable, print_fn) -> None:
    """Print ``info`` in the keras2 or tf2 text style, one ``print_fn`` call per line."""
    seq = info.sequential_like
    width, pos = _positions(style, seq, line_length, positions, show_trainable)
    header = _HEADER[:3 if seq else 4] + (["Trainable"] if show_trainable else [])
    tf2 = style.wraps

    def row(fields, level=0):
        if tf2:
            for line in _tf2_rows(fields, pos, level):
                print_fn(line)
        else:
            print_fn(_keras2_row(fields, pos))

    print_fn(f'Model: "{info.name}"')
    print_fn("_" * width)
    row(header)
    print_fn("=" * width)
    for i, r in enumerate(info.rows):
        name = ("  " * r.level + "└ " if r.level else "") + r.name
        fields = [name, r.shape, r.params]
        if not seq:
            fields.append(repr(r.connections) if tf2 else (r.connections[0] if r.connections else ""))
        if show_trainable:
            fields.append(r.trainable)
        row(fields)
        if not seq and not tf2:
            for extra in r.connections[1:]:  # keras2: one row per further connection
                row(["", "", "", extra] + ([""] if show_trainable else []))
        if tf2:  # tf.keras: a blank line after every row, the last one included
            print_fn(" " * width)
        if i == len(info.rows) - 1:
            print_fn("=" * width)
        elif not tf2:
            print_fn("_" * width)
    if tf2:
        units = ("Byte", "KB", "MB", "GB", "TB", "PB")
        print_fn(f"Total params: {info.total} ({readable_size(info.trainable_bytes + info.non_trainable_bytes, units)})")
        print_fn(f"Trainable params: {info.trainable} ({readable_size(info.trainable_bytes, units)})")
        print_fn(f"Non-trainable params: {info.non_trainable} ({readable_size(info.non_trainable_bytes, units)})")
    else:
        print_fn(f"Total params: {info.total:,}")
        print_fn(f"Trainable params: {info.trainable:,}")
        print_fn(f"Non-trainable params: {info.non_trainable:,}")
    print_fn("_" * width)
