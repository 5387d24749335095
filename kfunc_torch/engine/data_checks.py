"""Checks on fit/evaluate/predict data, run once before the first step, and Keras's one-axis input rule.

Each check raises at the earliest point with what happened, what was expected, what was received and the
fix, instead of a torch error some batches later.

Example::

    >>> check_batch_size(0)
    Traceback (most recent call last):
    ValueError: batch_size must be a positive integer (or None for 32); received batch_size=0. ...
"""
from __future__ import annotations

import weakref

import numpy as np
import torch


def adjust_rank(expected: tuple, a):
    """Keras's rule for data one axis off an Input's shape, applied to one array.

    Data with one extra trailing axis of size 1 is squeezed (x of shape (N, 8, 1) for ``Input((8,))``);
    data one axis short gains a trailing axis when the Input's last axis is 1 (x of shape (N,) for
    ``Input((1,))``). Anything else is returned unchanged (and later refused by the shape check).
    """
    shape = tuple(a.shape)
    if len(shape) == len(expected) + 1 and shape and shape[-1] == 1:
        return a.reshape(shape[:-1])
    if len(shape) == len(expected) - 1 and expected[-1] == 1:
        return a.reshape(shape + (1,))
    return a


def check_batch_size(batch_size) -> None:
    """A positive integer or None; ``batch_size=0`` must not silently become 32."""
    if batch_size is None:
        return
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer (or None for 32); received "
                         f"batch_size={batch_size!r}. Pass e.g. batch_size=32.")


def check_not_empty(n: int) -> None:
    """Training or evaluating on zero samples is a mistake upstream (an empty filter, a wrong split)."""
    if n == 0:
        raise ValueError("The data has 0 samples (its arrays have length 0 in their first dimension). "
                         "Expected at least one sample: check how the arrays were built or filtered.")


def reject_string_targets(a, name: str) -> None:
    """Keras losses need numbers; string class labels must be mapped to ids first."""
    if isinstance(a, (list, tuple)) and a and isinstance(a[0], str):
        a = np.asarray(a)  # a plain list of class names
    kind = getattr(getattr(a, "dtype", None), "kind", None)
    if kind in ("U", "S") or (kind == "O" and np.asarray(a).size and isinstance(np.asarray(a).flat[0], str)):
        sample = np.asarray(a).ravel()[:3].tolist()
        raise TypeError(f"The targets for output {name!r} are strings (e.g. {sample}); losses need numbers. Map "
                        "the labels to integer class ids first, e.g. `classes, y = np.unique(labels, "
                        "return_inverse=True)` or a StringLookup layer, and use a sparse_categorical loss.")


def check_target_widths(model, ys) -> None:
    """Crossentropy targets must be as wide as the output they are compared with, element by element."""
    compiled = getattr(model, "_compiled_loss", None)
    outputs = getattr(model, "outputs", None)
    if compiled is None or not outputs or ys is None:
        return
    from . import compile_utils as _cu
    from .. import losses as _losses
    elementwise = ((_losses.binary_crossentropy, _losses.BinaryCrossentropy),
                   (_losses.categorical_crossentropy, _losses.CategoricalCrossentropy))
    for entry in compiled.entries:
        y = ys[entry.index] if entry.index < len(ys) else None
        if y is None or not _cu._is_loss(entry.fn, *elementwise):
            continue
        want = tuple(outputs[entry.index].shape)
        got = tuple(y.shape)
        if len(got) == len(want) and want[-1] is not None and got[-1] != want[-1]:
            name = compiled.output_names[entry.index]
            loss = getattr(entry.fn, "__name__", type(entry.fn).__name__)
            fix = ("one-hot targets need an output of that width (e.g. Dense(%d, activation='softmax'))" % got[-1]
                   if want[-1] == 1 else "use targets of width %d (e.g. to_categorical(y, %d))" % (want[-1], want[-1]))
            raise ValueError(f"Targets for output {name!r} have shape {got}, but the output has shape {want}; "
                             f"{loss} compares them element by element, so their last dimensions must match. "
                             f"Fix: {fix}.")


def check_class_ids(model, ys) -> None:
    """Sparse crossentropy targets must be class ids 0..n_classes-1 (labels counted from 1 are the usual slip).

    Read on the host arrays before they go to the device: no sync, even when train_on_batch runs it every step.
    """
    compiled = getattr(model, "_compiled_loss", None)
    outputs = getattr(model, "outputs", None)
    if compiled is None or not outputs or ys is None:
        return
    for entry in compiled.entries:
        y = ys[entry.index] if entry.index < len(ys) else None
        if y is None or not entry.sparse or isinstance(y, torch.Tensor) and not y.is_cpu:
            continue
        k = tuple(outputs[entry.index].shape)[-1]
        a = np.asarray(y.numpy() if isinstance(y, torch.Tensor) else y)
        ignore = getattr(entry.fn, "_kwargs", {}).get("ignore_class")
        if ignore is not None:
            a = a[a != ignore]
        if k is None or a.size == 0 or a.dtype.kind not in "iuf":
            continue
        lo, hi = a.min(), a.max()
        if lo >= 0 and hi < k:
            continue
        lo, hi = (int(v) if float(v).is_integer() else float(v) for v in (lo, hi))
        name = compiled.output_names[entry.index]
        fix = (f"labels counted from 1 need y - 1; otherwise give the output {hi + 1} units "
               f"(Dense({hi + 1}, activation='softmax'))" if lo >= 0 else
               "re-index the labels from 0 (np.unique(y, return_inverse=True)), or pass ignore_class= for a "
               "padding label")
        raise ValueError(f"Targets for output {name!r} hold class id {lo if lo < 0 else hi} (ids from {lo} to {hi}), "
                         f"but the output has {k} classes (ids 0..{k - 1}); sparse_categorical_crossentropy needs ids "
                         f"in that range. Fix: {fix}.")


def regular_array(a):
    """``np.asarray`` of a list, with a clear error for sequences of different lengths (unpadded text)."""
    try:
        return np.asarray(a)
    except ValueError:
        lengths = [len(s) if hasattr(s, "__len__") else 1 for s in list(a)[:6]]
        raise ValueError(f"The data is a list of {len(a)} sequences of different lengths ({lengths}"
                         f"{'...' if len(a) > 6 else ''}), but a model needs one array of shape (samples, ...). Pad them "
                         "to one length first, e.g. keras.utils.pad_sequences(x, maxlen=100).") from None


def check_device(t: torch.Tensor, device, what: str) -> None:
    """Data on the meta device (or one torch cannot copy from) is refused before a step runs."""
    if t.is_meta:
        raise ValueError(f"{what} is a tensor on the 'meta' device (it has a shape but no values), but the model is "
                         f"on {device}. Pass real data: a numpy array or a tensor on {device}.")


def explain_call_failure(model, values):
    """After a direct ``model(x)`` failed inside a layer: a clear error when the inputs do not fit the model.

    Called only on the error path, so the forward pass pays nothing for it. Returns None when the inputs
    look right (the original error then stands).
    """
    for t, name, v in zip(model.inputs, model.input_names, values):
        if not hasattr(v, "shape"):
            continue
        expected = tuple(t.shape)
        got = tuple(v.shape)
        if len(got) != len(expected) or any(e is not None and e != g for e, g in zip(expected[1:], got[1:])):
            return ValueError(f"Model {model.name!r} was called on data of shape {got} for input {name!r}, which "
                              f"expects shape {expected}. Reshape the data so that all dimensions after the first "
                              "(the samples) match the Input.")
        device = model._device()
        if isinstance(v, torch.Tensor) and v.device.type != device.type:
            return ValueError(f"Model {model.name!r} is on {device}, but input {name!r} is a tensor on {v.device}. "
                              f"Move one to the other: `x.to({str(device)!r})` or `model.to(x.device)`.")
    return None


class IdRangeWatch:
    """Embedding ids range-checked on an accelerator without a host sync per step.

    Each call folds the batch's smallest and largest id into two numbers kept on the device and clamps the ids,
    so that torch's own device-side assert (which names no layer and leaves the CUDA context unusable) never
    fires. The two numbers reach pinned host memory by an asynchronous copy, which a later call reads once its
    event has completed (``Event.query`` never waits); ``flush`` reads the last one where the trainer has
    synchronised anyway (the end of an epoch, of evaluate, of predict). A bad id is reported a step or two
    after the batch that held it, naming the layer, its size and the ids seen.

    Example (what Embedding.call does on CUDA)::

        ids = self._id_watch.check(ids)   # clamped ids; raises for an earlier batch's bad id
    """

    def __init__(self, name: str, input_dim: int):
        self.name, self.input_dim = name, input_dim  # not the layer: the registry below holds it weakly
        self.device = None

    def _reset(self, device):
        self.device = device
        self.lo = torch.full((), torch.iinfo(torch.int64).max, dtype=torch.int64, device=device)
        self.hi = torch.full((), torch.iinfo(torch.int64).min, dtype=torch.int64, device=device)
        self.host = _host_buffer(device)
        self.event = None

    def check(self, ids: torch.Tensor) -> torch.Tensor:
        if ids.device != self.device:
            self._reset(ids.device)
        lo, hi = torch.aminmax(ids)
        torch.minimum(self.lo, lo, out=self.lo)
        torch.maximum(self.hi, hi, out=self.hi)
        if self.event is None or self.event.query():  # the previous copy has landed: read it, send the next
            self._read()
            self.host.copy_(torch.stack((self.lo, self.hi)), non_blocking=True)
            self.event = _record_event(ids.device)
        return ids.clamp(0, self.input_dim - 1)

    def flush(self) -> None:
        """Report a bad id of the batches not read yet (a synchronous copy: call where the host waits anyway)."""
        if self.event is not None:
            self.host.copy_(torch.stack((self.lo, self.hi)))  # the running extremes cover every batch so far
            self._read()

    def _read(self) -> None:
        lo, hi = self.host.tolist()
        if lo < 0 or hi >= self.input_dim:
            self._reset(self.device)  # the next fit starts clean
            raise id_range_error(self.name, self.input_dim, lo, hi)


_WATCHES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()  # Embedding layer -> its IdRangeWatch
WATCH_ON_CPU = False  # tests set it to run the device path on CPU tensors (CPU itself needs no watch)


def checked_ids(layer, ids: torch.Tensor) -> torch.Tensor:
    """``ids`` of an Embedding on an accelerator, range-checked without a host sync (see IdRangeWatch)."""
    if not torch.compiler.is_compiling() and not (ids.is_cuda and torch.cuda.is_current_stream_capturing()):
        watch = _WATCHES.get(layer)
        if watch is None:
            watch = _WATCHES[layer] = IdRangeWatch(layer.name, layer.input_dim)
        return watch.check(ids)
    # compiled graphs and CUDA graph capture: a device-side assert (no sync, but it names no layer)
    torch._assert_async(((ids >= 0) & (ids < layer.input_dim)).all())
    return ids


def flush_id_watches() -> None:
    """Raise for a bad Embedding id not reported yet; the trainer calls it where it synchronises anyway."""
    if _WATCHES:
        for watch in list(_WATCHES.values()):
            watch.flush()


def _host_buffer(device):
    buf = torch.zeros(2, dtype=torch.int64)  # (0, 0) reads as "nothing out of range" until a copy lands
    return buf.pin_memory() if device.type == "cuda" else buf  # a non_blocking copy into pageable memory waits


def _record_event(device):
    if device.type != "cuda":
        return _Done()
    event = torch.cuda.Event()
    event.record()
    return event


class _Done:
    """The event of a copy that was synchronous (a device without events)."""

    def query(self):
        return True

    def synchronize(self):
        pass


def id_range_error(layer_name, input_dim, lo, hi, first=None, count=None) -> ValueError:
    """The Embedding message for ids outside 0..input_dim-1 (``lo``/``hi``: the smallest and largest id seen)."""
    first = (lo if lo < 0 else hi) if first is None else first
    fix = ("ids must be >= 0: re-index the data (Keras reserves no negative ids)" if lo < 0 else
           f"set input_dim to at least the largest id + 1 ({hi + 1}), or clip/re-index the data "
           "(Tokenizer(num_words=n) ids go up to n - 1)")
    many = f"{count} out of range, " if count is not None else ""
    return ValueError(f"Embedding layer {layer_name!r} has input_dim={input_dim} (ids 0..{input_dim - 1}), but "
                      f"received id {first} ({many}ids from {lo} to {hi}). Fix: {fix}.")
