"""``keras.models.clone_model``: the same architecture with new layers (new weights), as Keras.

A functional model is cloned by replaying its graph: every node's layer is replaced by its clone
(``clone_function(layer)``, by default ``layer.__class__.from_config(layer.get_config())``; a layer
called several times is cloned once and called as often) and called on the mapped inputs with the
same call arguments. A Sequential model is rebuilt from its cloned layers. A compiled model's clone
is compiled with the same settings and a fresh optimizer (Keras's ``compile_config`` round trip).

Example::

    >>> new_model = clone_model(model)                       # new weights, same config
    >>> new_model = clone_model(model, input_tensors=Input((32,), name="other"))
    >>> def seeded(layer):
    ...     cfg = layer.get_config()
    ...     return layer.__class__.from_config({**cfg, "seed": 1337} if "seed" in cfg else cfg)
    >>> new_model = clone_model(model, clone_function=seeded)
"""
from __future__ import annotations

from torch.utils import _pytree as pytree

from .input_layer import Input, InputLayer
from .keras_tensor import KerasTensor
from .op_layer import TorchOpLayer


def _default_clone(layer):
    if isinstance(layer, TorchOpLayer):
        # ``x * 2`` on symbolic tensors: a stateless function, no config; a new layer over the same function.
        return TorchOpLayer(layer.fn, op_name=layer.op_name, name=layer.name)
    return layer.__class__.from_config(layer.get_config())


def _cached(clone_function, recursive, call_function):
    cache: dict[int, object] = {}
    base = clone_function or _default_clone

    def clone(layer):
        if id(layer) not in cache:
            from .functional import Model
            if recursive and isinstance(layer, Model) and getattr(layer, "_is_graph_network", False):
                cache[id(layer)] = clone_model(layer, clone_function=clone_function, call_function=call_function,
                                               recursive=True)
            else:
                cache[id(layer)] = base(layer)
        return cache[id(layer)]
    return clone


def clone_model(model, input_tensors=None, clone_function=None, call_function=None, recursive=False, **kwargs):
    """A copy of a functional or Sequential ``model`` with newly initialised layers (Keras 3 semantics).

    ``input_tensors``: Input tensors to build the copy on (the structure of ``model.input``); new ones
    with the same shapes, dtypes and names otherwise. ``clone_function(layer)`` returns the layer to
    use in place of ``layer``; ``call_function(layer, *args, **kwargs)`` calls it (functional models
    only); ``recursive=True`` clones nested functional/Sequential models with the same functions.

    Example: ``new_model = keras.models.clone_model(model)``.
    """
    from .functional import Model
    from .sequential import Sequential
    if kwargs:
        raise ValueError(f"clone_model() got unexpected keyword argument(s) {sorted(kwargs)}; it takes "
                         "input_tensors, clone_function, call_function and recursive.")
    if clone_function is not None and not callable(clone_function):
        raise ValueError(f"clone_model(): clone_function must be a callable taking a layer; received "
                         f"{clone_function!r}.")
    if not isinstance(model, Model):
        raise ValueError(f"clone_model() expects a functional or Sequential Model; received "
                         f"{type(model).__name__}: {model!r:.80}.")
    clone = _cached(clone_function, recursive, call_function)
    if isinstance(model, Sequential):
        if call_function is not None:
            raise ValueError("clone_model(): call_function is not supported with Sequential models (their layers "
                             "are listed, not called at construction time). Use it with functional models only.")
        new = _clone_sequential(model, clone, input_tensors)
    elif getattr(model, "_is_graph_network", False):
        new = _clone_functional(model, clone, input_tensors, call_function)
    else:
        # A subclassed model: only its config is known (Keras does the same).
        if clone_function is not None or input_tensors is not None or call_function is not None:
            raise ValueError(f"clone_model(): clone_function, input_tensors and call_function are only supported "
                             f"for functional and Sequential models; {type(model).__name__!r} is a subclassed "
                             "model. Clone it with model.__class__.from_config(model.get_config()).")
        new = model.__class__.from_config(model.get_config())
    _compile_like(model, new)
    return new


def _clone_sequential(model, clone, input_tensors):
    from .sequential import Sequential
    new_layers = [clone(layer) for layer in model.layers]
    ref = model._input_layer
    if input_tensors is not None:
        if isinstance(input_tensors, (list, tuple)):
            if len(input_tensors) != 1:
                raise ValueError(f"clone_model(): a Sequential model has one input, so input_tensors must hold a "
                                 f"single tensor; received {len(input_tensors)}.")
            input_tensors = input_tensors[0]
        if not isinstance(input_tensors, KerasTensor) or not isinstance(input_tensors._keras_history.layer,
                                                                        InputLayer):
            raise ValueError("clone_model(): input_tensors for a Sequential model must be an Input() tensor "
                             f"(e.g. keras.Input(shape=(32,))); received {input_tensors!r:.80}.")
        first = [input_tensors]
    elif ref is not None:
        first = [Input(batch_shape=ref.batch_shape, dtype=ref.output.dtype, name=ref.name)]
    else:
        first = []  # never built: the copy is built on its first call, like the original
    return Sequential(first + new_layers, name=model.name, trainable=model.trainable)


def _clone_functional(model, clone, input_tensors, call_function):
    from .functional import Model
    if input_tensors is None:
        new_inputs = [Input(batch_shape=t.shape, dtype=t.dtype, name=t._keras_history.layer.name)
                      for t in model.inputs]
        new_struct = pytree.tree_unflatten(new_inputs, pytree.tree_flatten(model._input_struct)[1])
    else:
        new_struct = input_tensors
        new_inputs = pytree.tree_leaves(input_tensors)
        if not all(isinstance(t, KerasTensor) for t in new_inputs) or len(new_inputs) != len(model.inputs):
            raise ValueError(f"clone_model(): input_tensors must be {len(model.inputs)} KerasTensor(s), in the "
                             f"structure of model.input ({[t.name for t in model.inputs]}); received "
                             f"{input_tensors!r:.120}.")
    mapping = {id(old): new for old, new in zip(model.inputs, new_inputs)}
    for node in model._plan.nodes:
        if node.is_input:
            continue
        flat, spec = pytree.tree_flatten((node.call_args, node.call_kwargs))
        args, kwargs = pytree.tree_unflatten(
            [mapping[id(v)] if isinstance(v, KerasTensor) else v for v in flat], spec)
        layer = clone(node.layer)
        outputs = call_function(layer, *args, **kwargs) if call_function else layer(*args, **kwargs)
        new_leaves = [outputs] if isinstance(outputs, KerasTensor) else pytree.tree_leaves(outputs)
        if len(new_leaves) != len(node.output_tensors):
            raise ValueError(f"clone_model(): the clone of layer {node.layer.name!r} returned {len(new_leaves)} "
                             f"tensor(s) where the original returned {len(node.output_tensors)}; a clone_function "
                             "or call_function must keep each layer's outputs.")
        for old, new in zip(node.output_tensors, new_leaves):
            mapping[id(old)] = new
    flat_out, out_spec = pytree.tree_flatten(model._output_struct)
    new_outputs = pytree.tree_unflatten([mapping[id(t)] for t in flat_out], out_spec)
    cls = model.__class__ if _functional_like(model.__class__) else Model
    return cls(new_struct, new_outputs, name=model.name)


def _functional_like(cls) -> bool:
    """A Model subclass whose constructor still takes (inputs, outputs, name)."""
    import inspect
    from .functional import Model
    if cls is Model or cls.__init__ is Model.__init__:
        return True
    try:
        params = inspect.signature(cls.__init__).parameters
    except (TypeError, ValueError):
        return False
    return "inputs" in params and "outputs" in params


def _compile_like(model, new) -> None:
    if not getattr(model, "compiled", False):
        return
    from ..saving.archive import _compile_from_config, get_compile_config
    cfg = get_compile_config(model)
    if cfg:
        _compile_from_config(new, cfg)
