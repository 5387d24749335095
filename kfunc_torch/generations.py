"""The Keras generations we imitate ("compat"), as data: one frozen record per generation of
everything that differs between Keras 2.2/2.3 (``keras2``), tf.keras 2.13+ / tf_keras (``tf2``) and
Keras 3 (``keras3``), read by name (KERAS_FACTS §1). Code asks the record (``current().summary``,
``current().zero_based_names``) instead of testing the generation's name.

Example::

    >>> import kfunc_torch
    >>> kfunc_torch.set_compat("keras3")
    >>> current().functional_prefix, current().summary.name
    ('functional', 'keras3')

The environment variable ``KFUNC_TORCH_COMPAT`` sets the starting generation.
"""
from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class SummaryStyle:
    """How ``model.summary()`` prints (KERAS_FACTS §2)."""

    name: str                     # 'keras2' | 'tf2' | 'keras3' (also a summary(style=...) value)
    functional_class: str         # the class shown for a plain functional model
    box: bool                     # Keras 3's box table (else the classic text of §2.1/§2.2)
    wraps: bool                   # tf2: cells wrap onto further lines, connections as a list repr
    input_shape_as_list: bool     # tf2: an InputLayer's shape prints as [(None, 100)]
    # A nested functional model's calls as a "Connected to" entry: Keras 2 counts its own
    # inputs->outputs node as node 0 ("inner[1][0]"); Keras 3 has no such node ("inner[0][0]"),
    # and tf_keras prints the same (issue 13).
    nested_node_offset: int
    thousands: bool               # "1,000,052" (keras3) or "1000052"
    last_call_shape: bool         # keras3: the shape of the last call, "(None)" for rank 1, "?" if never called
    unbuilt_params: str | None    # what an unbuilt layer shows ("0 (unbuilt)"); None: it is an error
    no_weights_trainable: str | None  # the Trainable cell of a layer without weights ("-"), None: Y/N


@dataclass(frozen=True)
class Generation:
    """What one Keras generation does differently. Example: ``GENERATIONS["tf2"].keras_version``."""

    name: str
    keras_version: str            # keras.__version__ under the alias
    zero_based_names: bool        # dense, dense_1 (True) or dense_1, dense_2 (False)
    input_prefix: str             # auto names of Input(): input_1 / input_layer
    input_zero_based: bool
    functional_prefix: str        # auto names of Model(...): model_1 / model / functional
    # A Sequential's implicit input: named after its first layer (dense_input) or an input_layer.
    sequential_input_is_input_layer: bool
    # Keras 3 builds a Sequential through an inner functional model that takes a "functional_N"
    # name, so the next Model(...) is functional_2, not functional_1.
    sequential_takes_functional_name: bool
    summary: SummaryStyle
    progbar: str                  # 'keras2' | 'keras3' progress-bar text
    epoch_line_for_one_epoch: bool  # Keras 2 prints "Epoch 1/1" even for one epoch
    sorted_logs: bool             # Keras 3 orders the logs: train metrics sorted, then val_ sorted
    metric_key_as_written: bool   # compile(metrics=["AUC"]) logs "AUC" (keras3) or "auc"
    # hard_sigmoid = clip(slope * x + 0.5, 0, 1): Keras 1/2 and tf.keras 0.2; Keras 3 1/6 (relu6(x + 3) / 6).
    hard_sigmoid_slope: float
    download_layout: str          # get_file's extraction layout: 'keras2' | 'keras3'
    # Merge layers' masks: "all" (tf.keras, Keras 2: a step is kept where every masked input keeps
    # it) or "any" (Keras 3: kept where any input keeps it, none when an input has no mask; and
    # Multiply/Maximum/Minimum skip masked steps).
    merge_masks: str = "all"
    # Keras 3 computes Concatenate's mask with ops.concatenate while the graph is built; that op takes
    # a number from the "concatenate" name counter, so the next Concatenate() is concatenate_2.
    mask_ops_take_names: bool = False
    # Arithmetic on symbolic tensors (x + y) is a layer of model.layers (True), or, in Keras 3, an
    # operation that only the summary shows (False).
    ops_are_layers: bool = True


_KERAS2_SUMMARY = SummaryStyle("keras2", "Model", box=False, wraps=False, input_shape_as_list=False,
                               nested_node_offset=0, thousands=False, last_call_shape=False,
                               unbuilt_params=None, no_weights_trainable=None)
_TF2_SUMMARY = SummaryStyle("tf2", "Functional", box=False, wraps=True, input_shape_as_list=True,
                            nested_node_offset=-1, thousands=False, last_call_shape=False,
                            unbuilt_params=None, no_weights_trainable=None)
_KERAS3_SUMMARY = SummaryStyle("keras3", "Functional", box=True, wraps=False, input_shape_as_list=False,
                               nested_node_offset=-1, thousands=True, last_call_shape=True,
                               unbuilt_params="0 (unbuilt)", no_weights_trainable="-")
SUMMARY_STYLES = {s.name: s for s in (_KERAS2_SUMMARY, _TF2_SUMMARY, _KERAS3_SUMMARY)}

GENERATIONS = {g.name: g for g in (
    Generation("keras2", "2.2.4", zero_based_names=False, input_prefix="input", input_zero_based=False,
               functional_prefix="model", sequential_input_is_input_layer=False,
               sequential_takes_functional_name=False, summary=_KERAS2_SUMMARY, progbar="keras2",
               epoch_line_for_one_epoch=True, sorted_logs=False, metric_key_as_written=False,
               hard_sigmoid_slope=0.2, download_layout="keras2"),
    Generation("tf2", "2.13.1", zero_based_names=True, input_prefix="input", input_zero_based=False,
               functional_prefix="model", sequential_input_is_input_layer=False,
               sequential_takes_functional_name=False, summary=_TF2_SUMMARY, progbar="keras2",
               epoch_line_for_one_epoch=False, sorted_logs=False, metric_key_as_written=False,
               hard_sigmoid_slope=0.2, download_layout="keras2"),
    Generation("keras3", "3.15.1", zero_based_names=True, input_prefix="input_layer", input_zero_based=True,
               functional_prefix="functional", sequential_input_is_input_layer=True,
               sequential_takes_functional_name=True, summary=_KERAS3_SUMMARY, progbar="keras3",
               epoch_line_for_one_epoch=False, sorted_logs=True, metric_key_as_written=True,
               hard_sigmoid_slope=1 / 6, download_layout="keras3", merge_masks="any", ops_are_layers=False,
               mask_ops_take_names=True),
)}
COMPATS = tuple(GENERATIONS)

_state: dict = {"current": None}


def _lookup(name: str) -> Generation:
    if name not in GENERATIONS:
        raise ValueError(
            f"Unknown compat {name!r}. Expected one of {', '.join(COMPATS)}: "
            "'keras2' for Keras 2.2/2.3 tutorials, 'tf2' for tf.keras 2.13+, 'keras3' for Keras 3.")
    return GENERATIONS[name]


def current() -> Generation:
    """The generation imitated now (``keras2`` unless ``set_compat`` or ``KFUNC_TORCH_COMPAT`` chose another)."""
    gen = _state["current"]
    if gen is None:
        gen = _state["current"] = _lookup(os.environ.get("KFUNC_TORCH_COMPAT", "keras2"))
    return gen


def get_compat() -> str:
    """The name of the generation imitated now: 'keras2' (default), 'tf2' or 'keras3'."""
    return current().name


def set_compat(compat: str) -> None:
    """Pick the Keras generation for naming, the summary and progress-bar styles and the formulas
    that changed between generations.

    Example::

        kfunc_torch.set_compat("keras3")   # box-table summaries, `dense`, `input_layer`
    """
    _state["current"] = _lookup(compat)


def summary_style(name: str | None) -> SummaryStyle:
    """The summary style ``name`` ('keras2', 'tf2', 'keras3'), or the current generation's for None."""
    if name is None:
        return current().summary
    if name not in SUMMARY_STYLES:
        raise ValueError(f"Unknown summary style {name!r}: expected one of {', '.join(SUMMARY_STYLES)} "
                         "('keras2' Keras 2.3 text, 'tf2' tf.keras text, 'keras3' Keras 3 box table).")
    return SUMMARY_STYLES[name]
