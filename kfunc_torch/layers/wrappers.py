"""Layer wrappers: TimeDistributed (apply a layer or a whole Model to every time step) and
Bidirectional (run a recurrent layer both ways and merge).

Example::

    >>> frames = Input(shape=(20, 784))
    >>> TimeDistributed(Dense(10))(frames).shape
    (None, 20, 10)
    >>> Bidirectional(LSTM(16))(Input(shape=(None, 8))).shape
    (None, 32)
"""
from __future__ import annotations

import torch
from torch import nn

from ..engine.input_spec import InputSpec
from ..engine.layer import Layer, call_accepts

__all__ = ["Wrapper", "TimeDistributed", "Bidirectional"]

_call = nn.Module.__call__  # the wrapped layers are built: skip Layer.__call__'s dispatch


def _check_layer(wrapper: str, layer) -> None:
    if not isinstance(layer, Layer):
        raise ValueError(f"{wrapper} wraps a Keras layer (or Model), but received {type(layer).__name__}: "
                         f"{layer!r:.80}. Example: {wrapper}(Dense(10)).")


def _layer_config(layer) -> dict:
    return {"class_name": type(layer).__name__, "config": layer.get_config()}


def _layer_from_config(spec: dict, custom_objects=None):
    from .. import layers as _layers
    from .. import models as _models
    name = spec["class_name"]
    cls = (custom_objects or {}).get(name) or getattr(_layers, name, None) or getattr(_models, name, None)
    if cls is None:
        raise ValueError(f"Unknown layer class {name!r} in a wrapper config; pass it in custom_objects.")
    return cls.from_config(dict(spec["config"]))


class Wrapper(Layer):
    """Base of layer wrappers: holds ``self.layer`` (a sublayer, so its weights are the wrapper's).

    Example::

        >>> TimeDistributed(Dense(4)).layer      # the wrapped Dense
    """

    def __init__(self, layer, **kwargs):
        _check_layer(type(self).__name__, layer)
        super().__init__(**kwargs)
        self.layer = layer

    def _saveable_children(self):
        return [("layer", self.layer)]

    def get_config(self):
        return {**super().get_config(), "layer": _layer_config(self.layer)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config["layer"] = _layer_from_config(config["layer"], custom_objects)
        return cls(**config)


class TimeDistributed(Wrapper):
    """Applies ``layer`` (any layer, or a Model) to every slice ``inputs[:, t]`` along axis 1.

    The time steps are folded into the batch, so the wrapped layer runs once per call, not once
    per step. The weights are the wrapped layer's (shared across steps).

    Example (seed 000: an image classifier applied to every frame)::

        >>> model = Model(x, Dense(10, activation="softmax")(Dense(64)(x)))      # x = Input((784,))
        >>> TimeDistributed(model)(Input(shape=(20, 784))).shape
        (None, 20, 10)
    """

    def __init__(self, layer, **kwargs):
        super().__init__(layer, **kwargs)
        self.supports_masking = True
        self.input_spec = InputSpec(min_ndim=3)
        self._takes_training = call_accepts(layer, "training") or hasattr(layer, "_plan")

    def _child_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) < 3:
            raise ValueError(f'TimeDistributed "{self.name}" needs inputs of rank 3 or more (batch, time, ...); '
                             f"received input shape {input_shape}.")
        return (None,) + input_shape[2:]

    def build(self, input_shape):
        child = self._child_shape(input_shape)
        if not self.layer.built:
            self.layer._maybe_build(child)
        self.built = True

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        child = self.layer.compute_output_shape(self._child_shape(input_shape))

        def expand(s):
            return (input_shape[0], input_shape[1]) + tuple(s[1:])
        if isinstance(child, list):
            return [expand(s) for s in child]
        return expand(child)

    def call(self, inputs, training=None):
        batch, steps = inputs.shape[0], inputs.shape[1]
        flat = inputs.reshape((batch * steps,) + tuple(inputs.shape[2:]))
        if training is not None and self._takes_training:
            out = _call(self.layer, flat, training=training)
        else:
            out = _call(self.layer, flat)
        if isinstance(out, (list, tuple)):
            return [o.reshape((batch, steps) + tuple(o.shape[1:])) for o in out]
        return out.reshape((batch, steps) + tuple(out.shape[1:]))

    def compute_mask(self, inputs, mask=None):
        return mask


_MERGES = ("concat", "sum", "mul", "ave", None)


class Bidirectional(Wrapper):
    """Runs a recurrent ``layer`` forwards and a copy of it backwards, then merges the two.

    ``merge_mode``: 'concat' (default), 'sum', 'mul', 'ave', or None (a list of both outputs).
    The backward copy is made from the layer's config with ``go_backwards`` flipped (or pass
    ``backward_layer``); its sequence output is reversed back into time order before merging.
    Weights: the forward layer's, then the backward layer's. With ``return_state`` the output is
    ``[merged, *forward_states, *backward_states]``.

    Any recurrent layer Keras 3 accepts here: LSTM, GRU, SimpleRNN, ConvLSTM1D/2D/3D (inputs of their
    own rank) and RNN(cell) / RNN(StackedRNNCells). 'concat' joins on the LAST axis, as Keras 3 does
    (``ops.concatenate(axis=-1)``), also for channels_first ConvLSTM outputs.

    Example::

        >>> Bidirectional(LSTM(10, return_sequences=True), merge_mode="sum")(Input(shape=(5, 3))).shape
        (None, 5, 10)
        >>> Bidirectional(ConvLSTM2D(4, 3, padding="same"))(Input(shape=(None, 16, 16, 1))).shape
        (None, 16, 16, 8)
    """

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        _check_layer("Bidirectional", layer)
        if merge_mode not in _MERGES:
            raise ValueError(f"Bidirectional: merge_mode must be one of 'concat', 'sum', 'mul', 'ave' or None; "
                             f"received merge_mode={merge_mode!r}.")
        if not hasattr(layer, "go_backwards") or not hasattr(layer, "return_sequences"):
            raise ValueError(f"Bidirectional wraps a recurrent layer (LSTM, GRU, SimpleRNN, ConvLSTM1D/2D/3D, "
                             f"RNN(cell)); received {type(layer).__name__} {layer.name!r}, which has no "
                             f"go_backwards/return_sequences.")
        Layer.__init__(self, **kwargs)
        # Keras makes fresh forward/backward copies from the wrapped layer's config.
        self.forward_layer = self._copy(layer, "forward_" + layer.name, layer.go_backwards)
        if backward_layer is None:
            self.backward_layer = self._copy(layer, "backward_" + layer.name, not layer.go_backwards)
        else:
            _check_layer("Bidirectional(backward_layer=...)", backward_layer)
            for attr in ("return_sequences", "return_state"):
                if getattr(backward_layer, attr) != getattr(layer, attr):
                    raise ValueError(f"Bidirectional: backward_layer.{attr}={getattr(backward_layer, attr)} must "
                                     f"match the forward layer's {attr}={getattr(layer, attr)}.")
            self.backward_layer = backward_layer
        self.merge_mode = merge_mode
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.stateful = getattr(layer, "stateful", False)
        for l in (self.forward_layer, self.backward_layer):
            # Keras zeroes masked steps of both directions' sequences before merging them.
            l.zero_output_for_mask = self.return_sequences
        self.supports_masking = True
        # The wrapped layer's rank: 3 for LSTM/GRU/SimpleRNN, rank + 3 for ConvLSTM; RNN(cell): 3 or more.
        spec = getattr(layer, "input_spec", None)
        ndim = spec.ndim if isinstance(spec, InputSpec) else None
        self.input_spec = InputSpec(ndim=ndim) if ndim is not None else InputSpec(min_ndim=3)
        self._initial_weights = weights

    @staticmethod
    def _copy(layer, name, go_backwards):
        config = dict(layer.get_config())
        config.update(name=name, go_backwards=go_backwards)
        for key in ("batch_input_shape",):
            config.pop(key, None)
        cell = getattr(layer, "cell", None)
        if cell is not None and isinstance(config.get("cell"), dict):
            # RNN(cell): the copies' cells are rebuilt from their configs, resolved to the wrapped layer's
            # own cell classes (so a custom cell needs no registration to be wrapped).
            custom = {}
            for c in [cell, *getattr(cell, "cells", ())]:
                custom.setdefault(type(c).__name__, type(c))
            return type(layer).from_config(config, custom_objects=custom)
        return type(layer).from_config(config)

    @property
    def layer(self):
        return self.forward_layer

    def build(self, input_shape):
        self.forward_layer._maybe_build(input_shape)
        self.backward_layer._maybe_build(input_shape)
        self.built = True

    def _n_states(self):
        """The state entries each direction returns with ``return_state`` (top level: a stacked RNN's
        per-cell state lists count once each)."""
        layer = self.forward_layer
        n = getattr(layer, "_n_states", None)
        if n is None:
            sizes = getattr(layer, "state_size", 1)
            n = len(sizes) if isinstance(sizes, (list, tuple)) else 1
        return n

    def compute_output_shape(self, input_shape):
        out = self.forward_layer.compute_output_shape(input_shape)
        states = []
        if self.return_state:
            out, states = out[0], list(out[1:])
        if self.merge_mode == "concat":
            out = tuple(out[:-1]) + (out[-1] * 2,)
            merged = [out]
        elif self.merge_mode is None:
            merged = [tuple(out), tuple(out)]
        else:
            merged = [tuple(out)]
        if self.return_state:
            return merged + states + states
        return merged[0] if len(merged) == 1 else merged

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        out_mask = mask if self.return_sequences else None
        masks = [out_mask, out_mask] if self.merge_mode is None else [out_mask]
        if self.return_state:
            return masks + [None] * (2 * self._n_states())
        return masks[0] if len(masks) == 1 else masks

    def call(self, inputs, training=None, mask=None, initial_state=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        kw = {"mask": mask}
        if training is not None:
            kw["training"] = training
        fw_kw, bw_kw = dict(kw), dict(kw)
        if initial_state is not None:
            n = len(initial_state) // 2
            fw_kw["initial_state"], bw_kw["initial_state"] = list(initial_state[:n]), list(initial_state[n:])
        y_f = _call(self.forward_layer, inputs, **fw_kw)
        y_b = _call(self.backward_layer, inputs, **bw_kw)
        states = []
        if self.return_state:
            states = list(y_f[1:]) + list(y_b[1:])
            y_f, y_b = y_f[0], y_b[0]
        if self.return_sequences:
            y_b = y_b.flip(1)  # back into time order
        if self.merge_mode == "concat":
            out = [torch.cat([y_f, y_b], -1)]
        elif self.merge_mode == "sum":
            out = [y_f + y_b]
        elif self.merge_mode == "mul":
            out = [y_f * y_b]
        elif self.merge_mode == "ave":
            out = [(y_f + y_b) / 2]
        else:
            out = [y_f, y_b]
        if self.return_state:
            return out + states
        return out[0] if len(out) == 1 else out

    @property
    def states(self):
        """Both directions' carried states (forward's then backward's), or None (as Keras 3)."""
        f, b = self.forward_layer.states, self.backward_layer.states
        return tuple(list(f) + list(b)) if f and b else None

    def reset_states(self, states=None):
        """Reset the carried states of both directions (stateful layers only)."""
        if not self.stateful:
            raise AttributeError(f'Layer "{self.name}" is not stateful, so it has no states to reset; wrap a layer '
                                 "created with stateful=True.")
        if states is None:
            self.forward_layer.reset_states()
            self.backward_layer.reset_states()
        else:
            n = len(states) // 2
            self.forward_layer.reset_states(states[:n])
            self.backward_layer.reset_states(states[n:])

    reset_state = reset_states

    def _saveable_children(self):
        return [("forward_layer", self.forward_layer), ("backward_layer", self.backward_layer)]

    def get_config(self):
        config = {**Layer.get_config(self), "layer": _layer_config(self.forward_layer), "merge_mode": self.merge_mode}
        config["layer"]["config"]["name"] = self.forward_layer.name[len("forward_"):] \
            if self.forward_layer.name.startswith("forward_") else self.forward_layer.name
        config["layer"]["config"]["go_backwards"] = self.forward_layer.go_backwards
        config["backward_layer"] = _layer_config(self.backward_layer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config["layer"] = _layer_from_config(config["layer"], custom_objects)
        if "backward_layer" in config:
            config["backward_layer"] = _layer_from_config(config["backward_layer"], custom_objects)
        return cls(**config)
