"""Single-batch methods of Model: ``train_on_batch``, ``test_on_batch``, ``predict_on_batch``.

``predict_on_batch`` is framework overhead around a small batch, so its common case (one
C-contiguous float32 array for a one-input CPU model in eval mode) takes a straight line that
calls ``forward`` directly when no forward hook is installed.

Example::

    >>> loss = model.train_on_batch(x[:32], y[:32])
    >>> loss, acc = model.test_on_batch(x[:32], y[:32])      # compiled with metrics=["accuracy"]
    >>> probs = model.predict_on_batch(x[:32])
"""
from __future__ import annotations

import numpy as np
import torch
from torch.nn.modules import module as _torch_module

from .. import dtype_policies as _dp
from . import call_context
from . import data_adapter as _data
from .layer import _CPU

_FLOAT32 = np.dtype(np.float32)
_GLOBAL_FORWARD_HOOKS = getattr(_torch_module, "_global_forward_hooks", None)
_GLOBAL_FORWARD_PRE_HOOKS = getattr(_torch_module, "_global_forward_pre_hooks", None)


def _no_forward_hooks(module) -> bool:
    """Whether ``module(x)`` would only run ``module.forward(x)`` (no forward hooks on it or global),
    so that calling forward directly saves torch's dispatch (a few microseconds per call)."""
    return not (module._forward_hooks or module._forward_pre_hooks or _GLOBAL_FORWARD_HOOKS is None
                or _GLOBAL_FORWARD_HOOKS or _GLOBAL_FORWARD_PRE_HOOKS)


class BatchMethods:
    """Mixin of Trainer: one batch at a time, outside fit/evaluate/predict's loops."""

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, reset_metrics=True, return_dict=False):
        """One gradient step on one batch; returns the loss (and metrics) on it.

        Example: ``loss = model.train_on_batch(x_batch, y_batch)``.
        """
        return self._one_batch("train_on_batch", True, x, y, sample_weight, class_weight, reset_metrics, return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, reset_metrics=True, return_dict=False):
        """Loss (and metrics) on one batch without training. Example: ``model.test_on_batch(x, y)``."""
        return self._one_batch("test_on_batch", False, x, y, sample_weight, None, reset_metrics, return_dict)

    def _one_batch(self, what, training, x, y, sample_weight, class_weight, reset_metrics, return_dict):
        """What train_on_batch and test_on_batch share: the batch as tensors, the step prepared once, the
        running sums restarted unless told to keep them, the model in train/eval mode for the call only."""
        self._assert_compiled(what)
        data = _data.ArrayData(self, x, y, sample_weight, None, self._targets(), class_weight)
        if self._train_fn is None:
            self._prepare_training()
        if reset_metrics or getattr(self, "_loss_sum", None) is None:
            self._reset_trackers()
        xs, ys, sws = data.xs, data.ys, data.sws
        was_training = self.training
        self.train(training)
        try:
            if training:
                self._track(ys, sws, *self._train_fn(xs, ys, sws), xs[0].shape[0])
            else:
                with torch.no_grad():
                    if self._custom_steps:
                        self._run_test_step(xs, ys, sws)
                    else:
                        self._track(ys, sws, *self._forward_and_loss(xs, ys, sws, False), xs[0].shape[0])
        finally:
            self.train(was_training)
        return self._as_returned(self._results(), return_dict)

    def predict_on_batch(self, x):
        """Outputs for one batch as numpy. Example: ``model.predict_on_batch(x[:32])``."""
        # This call is framework overhead on a small batch. The common case (one C-contiguous
        # float32 array of the right shape for a one-input model in eval mode, float32 out on the
        # CPU) is a straight line; everything else takes the general path below.
        tail = self.__dict__.get("_predict_tail")
        if (tail is not None and type(x) is np.ndarray and x.dtype is _FLOAT32 and x.shape[1:] == tail
                and x.flags.c_contiguous and not self.training and self._device() is _CPU):
            t = torch.from_numpy(x)
            # torch.no_grad() as a context manager costs ~2 us a call; this is what it does.
            grad_was_enabled = torch.is_grad_enabled()
            torch._C._set_grad_enabled(False)
            try:
                # Without hooks, self(t) would only run forward(t); on the CPU, forward is _forward.
                # training=False as Keras passes it: layers whose call defaults to training=True (the random
                # image layers) pass through, inside custom layers too (the flag in the call context).
                token = call_context.set_training(False)
                out = self._forward((t,), False) if _no_forward_hooks(self) else self(t)
            finally:
                call_context.reset_training(token)
                torch._C._set_grad_enabled(grad_was_enabled)
            if type(out) is torch.Tensor and out.dtype is torch.float32:
                return out.numpy()
            return self._numpy_outputs(out)
        was_training = self.training
        if was_training:
            self.eval()  # a walk over all layers: only when the model is in training mode
        try:
            with torch.no_grad():
                if _data._is_array(x) and getattr(self, "_single_input", False):
                    xs = [_data.as_tensor(x, _data.input_dtypes(self)[0], self._device())]
                    _data.check_shapes(self, xs)
                else:
                    xs = _data.ArrayData(self, x, None, check=True).xs
                with call_context.training_scope(False):  # as Keras: inference (see the fast path)
                    out = self._run_model(xs, None)
        finally:
            if was_training:
                self.train(True)
        return self._numpy_outputs(out)

    def _numpy_outputs(self, out):
        outs = [_dp.to_numpy(o) for o in self._outputs_list(out)]
        return self._pack_predictions(outs)

    def _targets(self):
        return [self._compiled_loss.target_dtype(i) for i in range(len(self._output_names()))]
