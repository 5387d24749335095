"""Normalising fit/evaluate/predict data into batches of device tensors.

In-memory data (numpy arrays, torch tensors, lists in input order, dicts by input/output name) is
checked against the model's input shapes before the first step, moved to the model's device once,
and batched by index (``torch.randperm`` per epoch when shuffling). Iterables (torch ``Dataset`` /
``DataLoader``, generators, Keras ``Sequence``-like objects) yield ``(x, y[, sample_weight])``
batches that are converted on the fly.

Example::

    >>> data = ArrayData(model, x, y, batch_size=32, target_dtypes=[torch.float32])
    >>> for xs, ys, sws in data.batches(shuffle=True): ...
"""
from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import torch

from .dtypes import STRING

from . import data_checks as _checks
from .suggest import did_you_mean


def reject_symbolic(data, what: str) -> None:
    """A KerasTensor (an Input or a layer output) given as data: a clear error, not a confusing one.

    Example: ``model.fit([left_input, right_input], targets)`` (seed 001) raises here.
    """
    from .keras_tensor import KerasTensor
    items = list(data.values()) if isinstance(data, dict) else list(data) if isinstance(data, (list, tuple)) else [data]
    for v in items:
        if isinstance(v, KerasTensor):
            raise ValueError(
                f"{what} received a symbolic tensor ({v.name!r}, shape {v.shape}) as data. Symbolic tensors "
                "(from Input() or layer calls) only describe the model's graph; pass numpy arrays or torch "
                "tensors with the real data, e.g. model.fit([left_data, right_data], targets).")


def _is_array(v) -> bool:
    return isinstance(v, (np.ndarray, torch.Tensor)) or (hasattr(v, "__array__") and hasattr(v, "shape"))


def _pandas_to_numpy(v):
    """A pandas DataFrame / Series as its numpy values (numeric columns only, with a clear error)."""
    a = v.to_numpy()
    if a.dtype == object or a.dtype.kind in "OSU":
        from pandas.api.types import is_bool_dtype, is_numeric_dtype
        dtypes = v.dtypes.items() if hasattr(v.dtypes, "items") else [(getattr(v, "name", None), v.dtype)]
        bad = [str(c) for c, dt in dtypes if not (is_numeric_dtype(dt) or is_bool_dtype(dt))]
        if bad:
            raise TypeError(f"The DataFrame/Series passed as data has non-numeric columns {bad}; a model takes "
                            "numbers. Encode them first (e.g. pd.get_dummies(df, columns=[...]) or "
                            ".astype('category').cat.codes), or pass a dict of columns, one per model input.")
    return a


def to_list(data, names, what, model_name):
    """The arrays of ``data`` as a list in the order of ``names`` (model inputs or outputs)."""
    if data is None:
        return None
    if isinstance(data, dict):
        missing = [n for n in names if n not in data]
        if missing:
            raise ValueError(f"Model {model_name!r}: the dict passed as {what} has keys {sorted(data)}, but the model's "
                             f"{what} are named {names}; missing {missing}. Key the dict by {what} layer name."
                             + "".join(did_you_mean(k, missing) for k in sorted(data) if k not in names))
        return [data[n] for n in names]
    if isinstance(data, (list, tuple)):
        if len(names) > 1 or (len(data) == 1 and _is_array(data[0])):
            if len(data) != len(names):
                raise ValueError(f"Model {model_name!r} has {len(names)} {what} {names}, but {len(data)} arrays "
                                 f"were passed as {what}. Pass one array per {what[:-1]} (a list in this order, "
                                 "or a dict by name).")
            return list(data)
    if len(names) > 1:
        raise ValueError(f"Model {model_name!r} has {len(names)} {what} {names}, but 1 array was passed as {what}. "
                         f"Pass one array per {what[:-1]}: a list in this order, or a dict by name.")
    return [data]


def as_tensor(v, dtype=None, device=None):
    """One array as a torch tensor: float64 becomes float32 (Keras's floatx), ints stay int64.
    For a string input (Input(dtype="string")) the strings stay a numpy object array: only the
    string-taking preprocessing layers (StringLookup, TextVectorization, Hashing) read them."""
    if dtype is STRING:
        return np.asarray(v.tolist() if isinstance(v, torch.Tensor) else v, dtype=object)
    if isinstance(v, torch.Tensor):
        t = v
    else:
        a = _pandas_to_numpy(v) if _is_pandas(v) else np.asarray(v)
        if a.dtype == object:
            raise TypeError(f"Cannot convert an array of Python objects (shape {a.shape}) to a tensor. Pad "
                            "sequences to one length (e.g. utils.pad_sequences) and pass numeric arrays.")
        a = np.ascontiguousarray(a)
        # Read-only memory (np.broadcast_to, pandas' copy-on-write views): torch needs its own copy.
        t = torch.from_numpy(a if a.flags.writeable else a.copy())
    if dtype is not None and t.dtype != dtype:
        t = t.to(dtype)
    elif t.dtype == torch.float64:
        t = t.float()
    elif t.dtype == torch.bool:
        t = t.float()
    if device is not None and t.device != device:
        t = t.to(device, non_blocking=True)
    return t


def _is_pandas(v) -> bool:
    return type(v).__module__.startswith("pandas") and hasattr(v, "to_numpy")


def _as_array(a):
    """Tensors and arrays as they are; pandas objects as numpy; lists and scalars through np.asarray."""
    if _is_pandas(a):
        return _pandas_to_numpy(a)
    return a if hasattr(a, "shape") else _checks.regular_array(a)


def _graph(model) -> bool:
    return bool(getattr(model, "_is_graph_network", False))


def input_names(model, x=None):
    """The model's input names; a subclassed model (no graph) takes what it is given, in order."""
    if _graph(model):
        return model.input_names
    n = len(x) if isinstance(x, (list, tuple)) and x and _is_array(x[0]) else 1
    return [f"input_{i + 1}" for i in range(n)]


def output_names(model):
    """The model's output names (``["output_1"]`` for a subclassed model). Example: ``output_names(m)``."""
    return model.output_names if _graph(model) else ["output_1"]


def input_dtypes(model, n=1):
    """The dtype each model input wants: floating inputs take float data; integer ones keep ints."""
    if not _graph(model):
        return [None] * n
    out = []
    for t in model.inputs:
        dt = getattr(t, "torch_dtype", torch.float32)
        out.append(dt if dt.is_floating_point or dt is STRING else None)
    return out


def check_shapes(model, xs):
    """Raise a ValueError naming the input when data does not fit the model's input shape."""
    if not _graph(model):
        return
    for t, name, a in zip(model.inputs, model.input_names, xs):
        expected = tuple(t.shape)
        got = tuple(a.shape)
        ok = len(got) == len(expected) and all(e is None or e == g for e, g in zip(expected[1:], got[1:]))
        if not ok:
            raise ValueError(f"Input {name!r} of model {model.name!r} expects data of shape {expected}, but received "
                             f"an array of shape {got}. Reshape the data (or change the Input's shape) so that "
                             "all dimensions after the first (the samples) match.")


def check_lengths(arrays, what):
    """The common number of samples, or a ValueError listing them. Example: ``check_lengths([x, y], "data")``."""
    n = {int(a.shape[0]) for a in arrays if a is not None}
    if len(n) > 1:
        raise ValueError(f"All {what} arrays must have the same number of samples (first dimension); received "
                         f"{[int(a.shape[0]) for a in arrays if a is not None]}. Make sure x, y (and sample_weight) "
                         "hold one entry per sample: check how they were split or filtered.")
    return n.pop() if n else 0


def class_weight_to_sample_weight(y, class_weight):
    """Per-sample weights from a {class: weight} dict (class = argmax of one-hot targets, else the value)."""
    y = y.detach()
    ids = y.argmax(-1) if y.dim() > 1 and y.shape[-1] > 1 else y.reshape(y.shape[0], -1)[:, 0].round().long()
    table = torch.ones(int(max(max(class_weight) + 1, int(ids.max()) + 1)), device=y.device)
    for k, w in class_weight.items():
        table[int(k)] = float(w)
    return table[ids.long()]


class ArrayData:
    """In-memory data on the model's device, batched by index."""

    def __init__(self, model, x, y, sample_weight=None, batch_size=32, target_dtypes=None, class_weight=None,
                 device=None, check=True):
        device = device if device is not None else model._device()
        _checks.check_batch_size(batch_size)
        xs = to_list(x, input_names(model, x), "inputs", model.name)
        xs = [_as_array(a) for a in xs]
        if _graph(model):
            xs = [_checks.adjust_rank(tuple(t.shape), a) for t, a in zip(model.inputs, xs)]
        if check:
            check_shapes(model, xs)
        for a in xs:
            if isinstance(a, torch.Tensor):
                _checks.check_device(a, device, "The input data")
        self.xs = [as_tensor(a, dt, device) for a, dt in zip(xs, input_dtypes(model, len(xs)))]
        self.ys = None
        if y is not None:
            ys = to_list(y, output_names(model), "outputs", model.name)
            for a, name in zip(ys, output_names(model)):
                if a is not None:
                    _checks.reject_string_targets(a, name)
            _checks.check_class_ids(model, ys)
            dts = target_dtypes or [torch.float32] * len(ys)
            self.ys = [None if a is None else as_tensor(a, dt, device) for a, dt in zip(ys, dts)]
            _checks.check_target_widths(model, self.ys)
        self.sws = None
        if sample_weight is not None:
            outs = output_names(model)
            sws = to_list(sample_weight, outs, "outputs", model.name) \
                if isinstance(sample_weight, (dict, list, tuple)) else [sample_weight] * len(outs)
            self.sws = [None if s is None else as_tensor(s, torch.float32, device) for s in sws]
        if class_weight is not None and self.ys is not None:
            if isinstance(class_weight, dict) and class_weight and isinstance(next(iter(class_weight.values())), dict):
                cws = [class_weight.get(n) for n in output_names(model)]
            else:
                cws = [class_weight] * len(self.ys)
            sws = self.sws or [None] * len(self.ys)
            for i, cw in enumerate(cws):
                if cw:
                    w = class_weight_to_sample_weight(self.ys[i], cw)
                    sws[i] = w if sws[i] is None else sws[i] * w
            self.sws = sws
        self.n = check_lengths(self.xs + (self.ys or []) + [s for s in (self.sws or []) if s is not None], "data")
        _checks.check_not_empty(self.n)
        self.batch_size = batch_size or 32
        self.device = device

    def split(self, fraction):
        """Keras's validation_split: the last ``fraction`` of the samples, taken before shuffling."""
        if not 0 < fraction < 1:
            raise ValueError(f"validation_split must be in (0, 1); received {fraction}.")
        k = int(self.n * (1 - fraction))
        if k == 0 or k == self.n:
            raise ValueError(f"validation_split={fraction} leaves no samples for training or validation with "
                             f"{self.n} samples. Use more data or a different split.")
        val = object.__new__(ArrayData)
        val.__dict__.update(self.__dict__)
        cut = (lambda ts, sl: None if ts is None else [None if t is None else t[sl] for t in ts])
        val.xs, val.ys, val.sws, val.n = cut(self.xs, slice(k, None)), cut(self.ys, slice(k, None)), \
            cut(self.sws, slice(k, None)), self.n - k
        self.xs, self.ys, self.sws, self.n = cut(self.xs, slice(0, k)), cut(self.ys, slice(0, k)), \
            cut(self.sws, slice(0, k)), k
        return val

    def steps(self):
        return math.ceil(self.n / self.batch_size)

    def batches(self, shuffle=False, steps=None):
        """Yield ``(xs, ys, sws)`` lists of device tensors, one batch at a time."""
        bs, n = self.batch_size, self.n
        total = self.steps() if steps is None else steps
        perm = torch.randperm(n, device=self.device) if shuffle is True else None
        if shuffle == "batch":  # Keras 2: shuffle whole batches
            order = torch.randperm(math.ceil(n / bs)).tolist()
        else:
            order = range(math.ceil(n / bs))
        produced = 0
        while produced < total:
            for b in order:
                if produced >= total:
                    return
                if perm is not None:
                    idx = perm[b * bs:(b + 1) * bs]
                    take = lambda t: t.index_select(0, idx) if isinstance(t, torch.Tensor) else t[idx.cpu().numpy()]
                else:
                    sl = slice(b * bs, (b + 1) * bs)
                    take = lambda t: t[sl]
                yield ([take(t) for t in self.xs],
                       None if self.ys is None else [None if t is None else take(t) for t in self.ys],
                       None if self.sws is None else [None if t is None else take(t) for t in self.sws])
                produced += 1


RAN_OUT = ("Your input ran out of data; interrupting training. Make sure that your dataset or generator can "
           "generate at least `steps_per_epoch * epochs` batches. You may need to use the `.repeat()` function "
           "when building your dataset.")


class IterData:
    """Batches from a DataLoader, generator, or Sequence-like object; converted to tensors per batch."""

    def __init__(self, model, source, batch_size=None, shuffle=False, target_dtypes=None, steps=None):
        from torch.utils.data import DataLoader, Dataset, IterableDataset
        if isinstance(source, Dataset) and not isinstance(source, DataLoader) and \
                not getattr(source, "_kfunc_batched", False):  # image_dataset_from_directory & co yield batches
            source = DataLoader(source, batch_size=batch_size or 32, shuffle=bool(shuffle))
        self.source, self.model = source, model
        self.target_dtypes = target_dtypes
        self.device = model._device()
        self.is_sequence = hasattr(source, "__getitem__") and hasattr(source, "__len__") and \
            not isinstance(source, (DataLoader, IterableDataset))
        self._iterator = None
        self._steps = steps
        self._checked = False
        self.exhausted = False  # a one-shot iterator (generator) that has ended
        self._warned = False

    def steps(self):
        if self._steps is not None:
            return self._steps
        if hasattr(self.source, "__len__"):
            try:
                return len(self.source)
            except TypeError:  # a tf.data-style dataset of unknown length: run until it ends
                return None
        return None

    def _convert(self, batch):
        if not isinstance(batch, (tuple, list)):  # x alone (a tensor or a dict by input), as Keras unpacks it
            batch = (batch,)
        if len(batch) not in (1, 2, 3):
            raise ValueError("A data generator or loader must yield (x, y) or (x, y, sample_weight) tuples; "
                             f"received a {type(batch).__name__} of {len(batch)} items.")
        x, y, sw = (list(batch) + [None, None])[:3]
        m = self.model
        xs = to_list(x, input_names(m, x), "inputs", m.name)
        xs = [_as_array(a) for a in xs]
        if _graph(m):
            xs = [_checks.adjust_rank(tuple(t.shape), a) for t, a in zip(m.inputs, xs)]
        if not self._checked:
            check_shapes(m, xs)
            self._checked = True
        xs = [as_tensor(a, dt, self.device) for a, dt in zip(xs, input_dtypes(m, len(xs)))]
        ys = None
        if y is not None:
            ys = to_list(y, output_names(m), "outputs", m.name)
            dts = self.target_dtypes or [None] * len(ys)
            ys = [as_tensor(a, dt, self.device) for a, dt in zip(ys, dts)]
        sws = None
        if sw is not None:
            sws = [as_tensor(s, torch.float32, self.device) for s in
                   (to_list(sw, output_names(m), "outputs", m.name) if isinstance(sw, (dict, list, tuple))
                    else [sw] * len(output_names(m)))]
        return xs, ys, sws

    def batches(self, shuffle=False, steps=None):
        steps = steps if steps is not None else self._steps
        if self.is_sequence:
            order = list(range(len(self.source)))
            if shuffle:
                order = [order[i] for i in torch.randperm(len(order)).tolist()]
            for k, i in enumerate(order):
                if steps is not None and k >= steps:
                    break
                yield self._convert(self.source[i])
            if hasattr(self.source, "on_epoch_end"):
                self.source.on_epoch_end()
            return
        if steps is None or hasattr(self.source, "__len__") and not hasattr(self.source, "__next__"):
            it = iter(self.source)  # a re-iterable (DataLoader): a fresh pass each epoch
        else:
            if self._iterator is None:  # a generator: keep consuming it across epochs (Keras semantics)
                self._iterator = iter(self.source)
            it = self._iterator
        # A generator / iterator passed in (iterating it again continues it), not a fresh pass over a
        # container: a DataLoader's iterator is itself an iterator, but the next epoch makes a new one.
        one_shot = it is self.source or it is self._iterator
        for k in range(steps) if steps is not None else itertools.count():  # k: the batches so far
            try:
                batch = next(it)
            except StopIteration:
                self.exhausted = one_shot
                self._iterator = None  # a re-iterable source starts a fresh pass next epoch
                if (steps is not None and k < steps) or k == 0:
                    self._ran_out_warning()
                return
            yield self._convert(batch)

    def _ran_out_warning(self):
        if not self._warned:
            self._warned = True
            warnings.warn(RAN_OUT, stacklevel=4)

    def has_more(self) -> bool:
        """Whether another epoch can draw batches: False once a generator has ended (Keras then stops
        training with its "ran out of data" warning instead of running empty epochs)."""
        if self.exhausted:
            self._ran_out_warning()
        return not self.exhausted


def is_iterable_source(x) -> bool:
    """Whether ``x`` is a generator / DataLoader / Dataset / Sequence rather than in-memory arrays."""
    from torch.utils.data import DataLoader, Dataset
    if isinstance(x, (DataLoader, Dataset)):
        return True
    if isinstance(x, (np.ndarray, torch.Tensor, list, tuple, dict)) or x is None or _is_array(x):
        return False  # _is_array: pandas DataFrames / Series and other array-likes are data, not generators
    return hasattr(x, "__next__") or hasattr(x, "__iter__") or (hasattr(x, "__getitem__") and hasattr(x, "__len__"))
