"""Keras 2's graph functions ``K.function`` and ``K.gradients``, run eagerly on torch.

``K.function(inputs, outputs)`` builds a model over the graph once and returns a callable taking a
list of arrays (one per input) and returning a list of numpy arrays. An entry ``K.learning_phase()``
in ``inputs`` makes the matching value (0 or 1) choose inference or training behaviour (Dropout...).

``K.gradients(loss, variables)``: on real tensors, torch autograd at once. On a symbolic ``loss``
(a KerasTensor), it returns symbolic gradients: KerasTensors computed by a small layer that reruns
the graph up to ``loss`` with autograd on and differentiates its sum (Keras 2's ``tf.gradients``)
with respect to graph inputs or weights; they can be used in further ops and read through
``K.function``, which is how Keras 2 programs (saliency maps, filter visualisation, FGSM) use them.

Example::

    >>> loss = K.mean(model.output[:, 3])
    >>> grads = K.gradients(loss, model.input)[0]
    >>> grads = grads / (K.sqrt(K.mean(K.square(grads))) + 1e-5)
    >>> iterate = K.function([model.input], [loss, grads])
    >>> loss_value, grads_value = iterate([x])
"""
from __future__ import annotations

import numpy as np
import torch

from .engine.keras_tensor import KerasTensor
from .engine.layer import Layer


def _is_phase(v) -> bool:
    # K.learning_phase() answers the phase itself (0 or 1); in an inputs list it marks the phase slot.
    return isinstance(v, (bool, int)) and not isinstance(v, KerasTensor)


def function(inputs, outputs, updates=None, name=None, **kwargs):
    """Keras 2 ``K.function``: a callable from input arrays to output arrays through the graph.

    Example: ``get_hidden = K.function([model.input, K.learning_phase()], [model.layers[1].output])``,
    then ``get_hidden([x_batch, 0])[0]``.
    """
    from .engine.functional import Model
    if updates:
        raise ValueError("K.function(updates=...) ran TensorFlow update ops (an optimizer's get_updates) in Keras 2; "
                         "PyTorch has no update ops. Train with model.fit, or in a loop: loss.backward() then "
                         "optimizer.step() on model.trainable_weights.")
    single_in = not isinstance(inputs, (list, tuple))
    single_out = not isinstance(outputs, (list, tuple))
    entries = [inputs] if single_in else list(inputs)
    phase_slots = [i for i, v in enumerate(entries) if _is_phase(v)]
    tensors = [v for v in entries if not _is_phase(v)]
    for v in tensors:
        if not isinstance(v, KerasTensor):
            raise TypeError(f"K.function inputs must be symbolic tensors (model.input, Input()) or "
                            f"K.learning_phase(); received {type(v).__name__}: {v!r:.80}.")
    outs = [outputs] if single_out else list(outputs)
    model = Model(tensors, outs)

    def run(values):
        values = [values] if not isinstance(values, (list, tuple)) else list(values)
        if len(values) != len(entries):
            raise ValueError(f"This K.function takes {len(entries)} input value(s) "
                             f"({len(tensors)} tensor(s){' and the learning phase' if phase_slots else ''}); "
                             f"received {len(values)}.")
        training = bool(values[phase_slots[0]]) if phase_slots else None
        arrays = [v for i, v in enumerate(values) if i not in phase_slots]
        feed = [torch.as_tensor(np.asarray(a)) if not isinstance(a, torch.Tensor) else a for a in arrays]
        feed = [t.float() if t.dtype == torch.float64 else t for t in feed]
        with torch.no_grad():
            res = model(feed if len(feed) > 1 else feed[0], training=training)
        res = res if isinstance(res, (list, tuple)) else [res]
        res = [r.detach().cpu().numpy() for r in res]
        return res[0] if single_out else res
    return run


def gradients(loss, variables):
    """Gradients of ``sum(loss)`` with respect to each of ``variables`` (None where unconnected).

    Eager tensors: computed now by autograd. A symbolic ``loss``: symbolic gradients for graph
    inputs or layer weights, read through ``K.function``. Example: ``K.gradients(loss, [model.input])``.
    """
    single = not isinstance(variables, (list, tuple))
    wrt = [variables] if single else list(variables)
    if isinstance(loss, KerasTensor):
        return _symbolic_gradients(loss, wrt)
    if not isinstance(loss, torch.Tensor) or loss.grad_fn is None:
        raise ValueError("K.gradients(loss, variables): loss is not connected to any tensor that requires grad "
                         f"(received {type(loss).__name__}). Compute it from the variables inside "
                         "torch.enable_grad(), or pass a symbolic loss built from model.output.")
    grads = torch.autograd.grad(loss.sum(), wrt, retain_graph=True, allow_unused=True)
    return list(grads)


def _graph_inputs(tensor: KerasTensor) -> list[KerasTensor]:
    """The Input tensors ``tensor`` depends on, in first-found order."""
    from .engine.input_layer import InputLayer
    found, seen, stack = [], set(), [tensor]
    while stack:
        t = stack.pop()
        node = t.node
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node.layer, InputLayer):
            found.append(t)
        stack.extend(reversed(node.input_tensors))
    return found


def _symbolic_gradients(loss, wrt):
    from .engine.functional import Model
    inputs = _graph_inputs(loss)
    ids = {id(t): i for i, t in enumerate(inputs)}
    targets = []
    for v in wrt:
        if isinstance(v, KerasTensor):
            if id(v) not in ids:
                raise ValueError(f"K.gradients: {v.name} is not an input of the graph that computes the loss (inputs: "
                                 f"{[t.name for t in inputs]}). Symbolic gradients are taken with respect to "
                                 "Input tensors or layer weights; for an intermediate tensor, build a model from it.")
            targets.append(("input", ids[id(v)]))
        elif isinstance(v, torch.nn.Parameter):
            targets.append(("weight", v))
        else:
            raise TypeError(f"K.gradients: cannot differentiate with respect to {type(v).__name__} {v!r:.60}; "
                            "pass Input tensors or layer weights (layer.kernel, model.trainable_weights).")
    layer = _Gradients(Model(inputs, loss), targets, [tuple(v.shape) for v in wrt])
    outs = layer(inputs if len(inputs) > 1 else inputs[0])
    return list(outs) if isinstance(outs, (list, tuple)) else [outs]


class _Gradients(Layer):
    """Reruns ``loss_model`` with autograd on and returns d sum(loss) / d target for each target."""

    def __init__(self, loss_model, targets, shapes, **kwargs):
        super().__init__(name=kwargs.pop("name", None) or _name(), **kwargs)
        object.__setattr__(self, "_loss_model", loss_model)  # shares the graph's layers: not a child module
        self._targets = targets
        self._shapes = shapes

    def call(self, *inputs):
        xs = list(inputs[0]) if len(inputs) == 1 and isinstance(inputs[0], (list, tuple)) else list(inputs)
        with torch.enable_grad():
            xs = [x.detach().requires_grad_(x.is_floating_point()) for x in xs]
            loss = self._loss_model(xs if len(xs) > 1 else xs[0])
            wanted = [xs[t] if kind == "input" else t for kind, t in self._targets]
            grads = torch.autograd.grad(loss.sum(), wanted, allow_unused=True)
        outs = [torch.zeros_like(w) if g is None else g for g, w in zip(grads, wanted)]
        return outs if len(outs) > 1 else outs[0]

    def compute_output_shape(self, input_shape):
        return self._shapes if len(self._shapes) > 1 else self._shapes[0]

    def get_config(self):
        raise NotImplementedError("K.gradients() results are computed from the graph and have no config; rebuild "
                                  "them with K.gradients after loading.")


def _name():
    from .naming import unique_name
    return unique_name("gradients")
