"""``model.summary()`` in the three Keras generations' styles, byte for byte.

- ``'keras2'`` (Keras 2.3): fixed columns, long cells cut, ``_`` and ``=`` rules, totals with commas.
- ``'tf2'`` (tf.keras 2.13+): fixed columns, long cells wrapped, totals with sizes.
- ``'keras3'`` (Keras 3): a box table as wide as the terminal allows.

The default style follows ``kfunc_torch.get_compat()``; ``style=`` overrides it. Collecting rows
(``collect.py``) is separate from drawing them (``classic.py``, ``box.py``).

Example::

    >>> model.summary()                      # keras2 text, printed
    >>> lines = []
    >>> model.summary(print_fn=lines.append, style="tf2")
    >>> model.summary(style="keras3", show_trainable=True)
"""
from __future__ import annotations

from ..generations import SUMMARY_STYLES, summary_style
from ..progbar import print_msg
from .box import render_box
from .classic import render_classic
from .collect import collect
from .torch_stats import mult_adds_lines

STYLES = tuple(SUMMARY_STYLES)


def print_summary(model, line_length=None, positions=None, print_fn=None, expand_nested=False,
                  show_trainable=False, style=None, layer_range=None, show_mult_adds=False) -> None:
    """Print ``model``'s summary table.

    keras2 and tf2 call ``print_fn`` once per line; keras3, like Keras 3, calls it once with the
    whole table (newline-terminated lines). Without ``print_fn`` the text goes to stdout.

    Example::

        >>> print_summary(model, style="keras3", line_length=100)
        >>> print_summary(model, show_mult_adds=True)   # + torchinfo's mult-adds and memory (torch_stats.py)
    """
    style = summary_style(style)  # the current generation's when None
    if positions is not None and len(positions) != (3 if _is_seq(model) else 4):
        raise ValueError(f"positions must give one column end per column ({3 if _is_seq(model) else 4} for this "
                         f"model); received {list(positions)}.")
    info = collect(model, style, expand_nested=expand_nested, layer_range=layer_range)
    extra = mult_adds_lines(model) if show_mult_adds else []  # before printing: a failure prints nothing
    if style.box:
        text = render_box(info, line_length, positions, show_trainable)
        if print_fn is None:
            print_msg(text, end="")
        else:
            print_fn(text)
    else:
        render_classic(info, style, line_length, positions, show_trainable, print_fn or print_msg)
    for line in extra:
        (print_fn or print_msg)(line)


def _is_seq(model) -> bool:
    from .collect import is_sequential_like
    if not model._is_graph_network:
        return True
    return is_sequential_like(model)
