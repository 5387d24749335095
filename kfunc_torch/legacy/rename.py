"""The one function that applies a Keras 1/2 rename table to a call's keyword arguments.

A table maps an old keyword to its modern spelling: ``old: "new"``, ``old: ("new", convert)``
(``convert`` maps the old value to the new one), ``old: To(("a", "b"))`` (one old argument set
two new ones, as SeparableConvolution2D's ``init``) or ``old: GONE`` (the argument no longer
exists and is dropped with a warning). Every entry point (layer constructors, ``Model``,
``Input``, ``fit``, the generator methods, optimizers) calls :func:`rename` with its table from
``legacy/tables.py``.

Example::

    >>> kwargs = {"nb_epoch": 3}
    >>> rename("fit", {"nb_epoch": "epochs"}, kwargs)      # DeprecationWarning: use fit(epochs=3)
    ['epochs']
    >>> kwargs
    {'epochs': 3}
"""
from __future__ import annotations

import warnings
from typing import Callable, Mapping, NamedTuple


class To(NamedTuple):
    """The modern argument(s) an old one becomes, and how its value converts (None: unchanged)."""

    names: tuple[str, ...]
    convert: Callable | None = None


GONE = None  # a table value: the argument no longer exists


def target(entry) -> To | None:
    """A table value in its full form. Example: ``target("units")`` -> ``To(names=('units',), convert=None)``."""
    if entry is None or isinstance(entry, To):
        return entry
    if isinstance(entry, tuple):
        return To((entry[0],), entry[1])
    return To((entry,))


def new_names(table: Mapping) -> set[str]:
    """Every modern name a table writes (for the tests that check a class takes them)."""
    return {n for e in table.values() if e is not None for n in target(e).names}


def rename(where: str, table: Mapping, kwargs: dict, given: Mapping | None = None, *,
           gone: Mapping | None = None, warn: bool = True, stacklevel: int = 3) -> list[str]:
    """Replace, in ``kwargs`` (in place), every old name of ``table`` with its modern one.

    ``where`` names the call in messages (``"Dense"``, ``"fit"``); ``given`` holds the modern
    arguments the caller received another way (positionally, or as explicit parameters), so that
    giving both spellings is a TypeError; ``gone`` says why a dropped argument went away. Returns
    the modern names written; warns once (a DeprecationWarning showing the modern call) unless
    ``warn`` is False (the caller then warns itself).
    """
    given = given or {}
    written: list[str] = []
    olds: list[str] = []
    for old, entry in table.items():
        if old not in kwargs:
            continue
        to = target(entry)
        if to is None:
            kwargs.pop(old)
            why = (gone or {}).get(old) or f"{where}({old}=...) no longer exists; omit it."
            warnings.warn(why, DeprecationWarning, stacklevel=stacklevel)
            continue
        for new in to.names:
            if new in kwargs or new in given:
                value = kwargs[new] if new in kwargs else given[new]
                raise TypeError(f"{where}() got both {old!r} (its Keras 1 name) and {new!r}, which mean the same "
                                f"argument. Pass only {new}={value!r}.")
        value = kwargs.pop(old)
        olds.append(old)
        for new in to.names:
            kwargs[new] = to.convert(value) if to.convert else value
            written.append(new)
    if warn and written:
        shown = ", ".join(f"{n}={kwargs[n]!r}" for n in written)
        warnings.warn(f"Keras 1 arguments: update your `{where}` call to the Keras 2 API: `{where}({shown}, ...)` "
                      f"(instead of {', '.join(o + '=' for o in olds)})", DeprecationWarning, stacklevel=stacklevel)
    return written


def rename_call(where: str, table: Mapping, kwargs: dict, **explicit):
    """``rename`` for a function whose modern names are its own parameters (``Model(inputs=...)``,
    ``fit(epochs=...)``): ``explicit`` holds those parameters as received (None: not given);
    returns their values after renaming, in order (one value alone when there is one).

    Example: ``inputs, outputs = rename_call("Model", MODEL, kwargs, inputs=inputs, outputs=outputs)``
    """
    if kwargs:
        rename(where, table, kwargs, {k: v for k, v in explicit.items() if v is not None}, stacklevel=4)
    values = tuple(kwargs.pop(k) if k in kwargs else v for k, v in explicit.items())
    return values[0] if len(values) == 1 else values
