"""``CellLayer``: a recurrent layer that is ``RNN`` over a cell it makes itself (Keras 3's design).

LSTM, GRU, SimpleRNN and ConvLSTM1D/2D/3D take their cell's arguments and ``RNN``'s in one flat
signature. ``CellLayer`` sorts them: the cell's (``_cell_args``) make ``_cell_class(name=_cell_name)``,
the rest go to ``RNN``. The cell's arguments and weights read (and write) through the layer
(``layer.units``, ``layer.kernel``), and the config is flat, in Keras's order (``_config_args``),
as Keras writes it. The weights live in the cell, so files keep them under ``cell/vars`` as Keras does.

Example::

    >>> lstm = LSTM(32, dropout=0.1, return_sequences=True)
    >>> lstm.cell                                   # LSTMCell(32, dropout=0.1), named "lstm_cell"
    >>> lstm.dropout
    0.1
"""
from __future__ import annotations

import inspect

from ...engine.input_spec import InputSpec, assert_input_compatibility
from ...engine.layer import Layer
from .arguments import GATE_ARGS, args_config, check_rates, check_size
from .rnn import RNN, _is_shape

# RNN's arguments that are not in every layer's config (accepted, never stored).
_RNN_ARGS = ("return_sequences", "return_state", "go_backwards", "stateful", "unroll", "zero_output_for_mask",
             "time_major", "use_cudnn", "activity_regularizer", "implementation")


class CellLayer(RNN):
    """Subclasses set ``_cell_class``, ``_cell_name``, ``_size_arg`` ('units' / 'filters'),
    ``_cell_args`` (the names the cell takes), ``_positional`` (Keras's positional order after the
    size) and ``_config_args``; ``_ndim`` is the input rank."""

    _cell_class = None
    _cell_name = None
    _size_arg = "units"
    _cell_args: tuple = ()
    _positional: tuple = ()
    _config_args: tuple = ()
    _ndim = 3

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name in (cls._size_arg,) + cls._cell_args + ("kernel", "recurrent_kernel", "bias"):
            if name not in vars(cls) and name != "implementation":
                setattr(cls, name, _delegate(name))
        if cls._cell_class is not None:
            # An __init__ of the class's own that shows its Keras signature: config loading keeps the
            # keys a constructor names, and Keras 1 renames read its positional names.
            inherited = cls.__init__

            def __init__(self, *args, **kwargs):
                inherited(self, *args, **kwargs)
            __init__.__signature__ = _signature(cls)
            __init__.__doc__ = inherited.__doc__
            cls.__init__ = __init__

    def __init__(self, units=None, *args, **kwargs):
        owner = type(self).__name__
        if len(args) > len(self._positional):
            raise TypeError(f"{owner}() takes at most {len(self._positional) + 1} positional arguments; pass the "
                            "others by name.")
        for name, value in zip(self._positional, args):
            if name in kwargs:
                raise TypeError(f"{owner}() got multiple values for argument {name!r}.")
            kwargs[name] = value
        size = kwargs.pop(self._size_arg, units)
        self._check_arguments(size, kwargs)
        implementation = kwargs.get("implementation", 2)
        if "implementation" in self._config_args and "implementation" not in self._cell_args:
            kwargs.pop("implementation", None)  # SimpleRNN: in Keras's config, unused
        cell_kwargs = {n: kwargs.pop(n) for n in self._cell_args if n in kwargs}
        for shared in ("dtype", "trainable"):
            if shared in kwargs:
                cell_kwargs[shared] = kwargs[shared]
        kwargs.pop("use_cudnn", None)  # accepted (Keras 3); torch picks cuDNN itself on CUDA
        super().__init__(self._make_cell(size, name=self._cell_name, **cell_kwargs), **kwargs)
        self.implementation = implementation  # the layer's config keeps the value given
        self.input_spec = InputSpec(ndim=self._ndim)

    def _make_cell(self, size, **cell_kwargs):
        return self._cell_class(size, **cell_kwargs)

    def _split(self, inputs):
        """One sequence, or Keras 2's ``[x, *initial_states]`` (these layers take no nested inputs)."""
        if isinstance(inputs, (list, tuple)) and not _is_shape(inputs):
            return inputs[0], (list(inputs[1:]) or None)
        return inputs, None

    def _check_arguments(self, size, kwargs) -> None:
        owner = type(self).__name__
        check_size(owner, self._size_arg, size, f"{owner}(32) ({self._size_arg}: the size of the output and state)")
        check_rates(owner, dropout=kwargs.get("dropout", 0.0), recurrent_dropout=kwargs.get("recurrent_dropout", 0.0))

    def build(self, input_shape):
        seqs, _ = self._split(input_shape)
        assert_input_compatibility(self.input_spec, tuple(seqs), self.name)  # the rank, before the cell sees it
        super().build(input_shape)
        self.input_spec = InputSpec(ndim=self._ndim, axes=self._input_axes(tuple(seqs)))

    def _input_axes(self, input_shape) -> dict:
        return {-1: input_shape[-1]}

    # The weights live in the cell: no group of the layer's own in weights files.
    _keras_vars_path = "vars"

    def get_config(self):
        return {**Layer.get_config(self), self._size_arg: getattr(self, self._size_arg),
                **args_config(self, self._config_args)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)


def _signature(cls) -> inspect.Signature:
    P = inspect.Parameter
    positional = (cls._size_arg,) + tuple(cls._positional)
    keyword = [n for n in cls._cell_args + cls._config_args + _RNN_ARGS if n not in positional]
    params = [P("self", P.POSITIONAL_OR_KEYWORD)] + [P(n, P.POSITIONAL_OR_KEYWORD, default=None) for n in positional]
    params += [P(n, P.KEYWORD_ONLY, default=None) for n in dict.fromkeys(keyword)] + [P("kwargs", P.VAR_KEYWORD)]
    return inspect.Signature(params)


def _delegate(name):
    def get(self):
        return getattr(self.cell, name)

    def set_(self, value):
        setattr(self.cell, name, value)
    return property(get, set_, doc=f"The cell's ``{name}``.")


# The arguments every gated cell (LSTMCell, GRUCell, ConvLSTMCell) takes, besides its size.
GATED_CELL_ARGS = GATE_ARGS + ("seed", "implementation")
# The end of LSTM/GRU/SimpleRNN's Keras config, after the cell's arguments.
LAYER_CONFIG_TAIL = ("return_sequences", "return_state", "go_backwards", "stateful", "unroll", "implementation",
                     "seed", "zero_output_for_mask", "activity_regularizer")
