"""Spelling suggestions for error messages: the known name closest to a mistyped one.

Only error paths call it (difflib is slow next to a dict lookup, and nothing else needs it).

Example::

    >>> did_you_mean("rellu", ["relu", "elu", "tanh"])
    " Did you mean 'relu'?"
    >>> did_you_mean("zzz", ["relu"])
    ''
"""
from __future__ import annotations

import difflib


def did_you_mean(name, choices) -> str:
    """`` Did you mean 'x'?`` for the closest of ``choices`` to ``name``, or '' when none is close."""
    if not isinstance(name, str):
        return ""
    lowered = {str(c).lower(): str(c) for c in choices}
    close = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.6)
    return f" Did you mean {lowered[close[0]]!r}?" if close else ""


def unknown_kwargs_message(cls, unknown, base_kwargs) -> str:
    """What a layer class accepts, for keywords it does not (only the error path reads the signature)."""
    import inspect
    own = [p.name for p in inspect.signature(cls.__init__).parameters.values()
           if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    base = sorted(set(base_kwargs) | {"name", "dtype", "trainable"})
    hints = "".join(did_you_mean(k, own + base) for k in sorted(unknown))
    return (f"Keyword argument not understood by {cls.__name__}: {', '.join(sorted(unknown))}.{hints} "
            f"{cls.__name__} accepts {own} and the Layer keywords {base}.")
