"""``alias_keras()``: make ``import keras`` (and, without TensorFlow, ``import tensorflow``: the stand-in
``kfunc_torch.tf_stand_in``, tf ops on torch with ``tf.keras``) resolve to kfunc_torch, so Keras
tutorials run unmodified.

A ``sys.meta_path`` finder maps ``keras.X.Y`` to the module ``kfunc_torch.X.Y`` when it exists (the
same module object, registered under both names, resolved lazily on import). Old Keras paths that
tutorials use (``keras.engine.topology``, ``keras.layers.core``, ``keras.utils.np_utils``,
...) map to small modules that re-export the right names.
``keras`` itself is a thin module over ``kfunc_torch`` whose ``__version__`` is a Keras-looking
version for the compat in use: ``'2.2.4'`` (keras2: the Keras the seed tutorials print), ``'2.13.1'``
(tf2) or ``'3.15.1'`` (keras3); ``keras.__kfunc_torch_version__`` is ours.

Example::

    >>> import kfunc_torch
    >>> kfunc_torch.alias_keras()
    >>> from keras.layers import Input, Dense      # kfunc_torch.layers
    >>> from keras.models import Model
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import types


# Old Keras module paths (Keras 1/2) -> where their names live now. Each becomes a module that
# re-exports every public name of the listed kfunc_torch modules.
_LEGACY_PATHS = {
    "keras.engine": ("kfunc_torch.layers", "kfunc_torch.models"),
    "keras.engine.topology": ("kfunc_torch.layers", "kfunc_torch.models"),
    "keras.engine.base_layer": ("kfunc_torch.layers",),
    "keras.engine.input_layer": ("kfunc_torch.layers",),
    "keras.engine.training": ("kfunc_torch.models",),
    "keras.engine.sequential": ("kfunc_torch.models",),
    "keras.engine.network": ("kfunc_torch.models",),
    "keras.utils.np_utils": ("kfunc_torch.utils",),
    "keras.utils.vis_utils": ("kfunc_torch.utils",),
    "keras.utils.data_utils": ("kfunc_torch.utils",),
    "keras.utils.generic_utils": ("kfunc_torch.utils",),
    "keras.legacy": ("kfunc_torch.layers",),
    "keras.legacy.layers": ("kfunc_torch.layers",),
}
for _sub in ("core", "convolutional", "recurrent", "pooling", "normalization", "embeddings", "merge", "wrappers",
             "noise", "advanced_activations", "local", "convolutional_recurrent", "cudnn_recurrent"):
    _LEGACY_PATHS[f"keras.layers.{_sub}"] = ("kfunc_torch.layers",)

_MISSING_HINTS = {
    "wrappers": " For scikit-learn wrappers, wrap model.fit/predict in your own estimator class.",
}

_state = {"finder": None, "keras": None, "tensorflow": False}  # tensorflow: whether the stand-in is on


def _public(module) -> dict:
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n in vars(module) if not n.startswith("_")]
    return {n: getattr(module, n) for n in names if hasattr(module, n)}


def _legacy_module(fullname: str) -> types.ModuleType:
    mod = types.ModuleType(fullname, f"Keras's old path {fullname}, re-exporting kfunc_torch names.")
    mod.__path__ = []  # a package, so deeper old paths (keras.engine.topology) import too
    for source in _LEGACY_PATHS[fullname]:
        mod.__dict__.update(_public(importlib.import_module(source)))
    if fullname.startswith("keras.engine"):
        from .engine.functional import Model
        mod.Container = mod.Network = Model  # Keras 1 / 2.2 names of the graph-model base class
    return mod


class _KerasModule(types.ModuleType):
    """``keras``: kfunc_torch's names, with a Keras-looking ``__version__`` that follows the compat."""

    def __getattr__(self, name):
        if name == "__version__":
            from .generations import current
            return current().keras_version
        import kfunc_torch
        try:
            return getattr(kfunc_torch, name)
        except AttributeError:
            raise AttributeError(f"module 'keras' (kfunc_torch) has no attribute {name!r}. kfunc_torch implements "
                                 "the functional API, layers, models, training and utils; this Keras name is "
                                 "not one of them.") from None


def _make_keras_module() -> types.ModuleType:
    import kfunc_torch
    mod = _KerasModule("keras", "Keras on kfunc_torch (see kfunc_torch.alias_keras).")
    mod.__dict__.update(_public(kfunc_torch))
    mod.__path__ = list(kfunc_torch.__path__)
    mod.__kfunc_torch_version__ = kfunc_torch.__version__
    mod.__all__ = [n for n in mod.__dict__ if not n.startswith("_")]
    return mod


def _tensorflow_module() -> types.ModuleType:
    """The TensorFlow stand-in (``kfunc_torch.tf_stand_in``: tf ops on torch), made on first import of
    ``tensorflow``, its ``keras`` the aliased keras."""
    from . import tf_stand_in
    tf_stand_in.keras = _state["keras"]
    return tf_stand_in


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, make):
        self._make = make

    def create_module(self, spec):
        return self._make()

    def exec_module(self, module):
        pass  # the module is already complete (an existing kfunc_torch module or a re-export)


# TensorBoard imports ``tensorflow`` when it can (``tensorboard.compat.tf``) and would take the stand-in for
# TensorFlow (``AttributeError: tensorflow.io``). Its own switch to its bundled TF stub is the presence of
# this module, so the stand-in provides it: TensorBoard and torch.utils.tensorboard then never touch it.
_TENSORBOARD_NO_TF = "tensorboard.compat.notf"


def _empty_module(name):
    return lambda: types.ModuleType(name, "Present while kfunc_torch's tensorflow stand-in is installed.")


class _KerasFinder(importlib.abc.MetaPathFinder):
    """Resolves keras.* (and, for the stand-in, tensorflow.keras.* and tensorflow.X) to kfunc_torch modules."""

    def __init__(self, with_tensorflow: bool):
        self.with_tensorflow = with_tensorflow

    def find_spec(self, fullname, path=None, target=None):
        if self.with_tensorflow:
            if fullname == "tensorflow":
                return importlib.util.spec_from_loader(fullname, _AliasLoader(_tensorflow_module), is_package=True)
            if fullname == _TENSORBOARD_NO_TF:
                return importlib.util.spec_from_loader(fullname, _AliasLoader(_empty_module(fullname)))
            if fullname == "tensorflow.keras" or fullname.startswith("tensorflow.keras."):
                keras_name = fullname[len("tensorflow."):]
                return importlib.util.spec_from_loader(
                    fullname, _AliasLoader(lambda: importlib.import_module(keras_name)), is_package=True)
            if fullname.startswith("tensorflow."):  # tensorflow.nn, tensorflow.data, ...: the stand-in's modules
                target = "kfunc_torch.tf_stand_in" + fullname[len("tensorflow"):]
                if importlib.util.find_spec(target) is None:
                    return None
                return importlib.util.spec_from_loader(
                    fullname, _AliasLoader(lambda: importlib.import_module(target)), is_package=True)
        if fullname != "keras" and not fullname.startswith("keras."):
            return None
        if fullname == "keras":
            return importlib.util.spec_from_loader(fullname, _AliasLoader(lambda: _state["keras"]), is_package=True)
        if fullname in _LEGACY_PATHS:
            return importlib.util.spec_from_loader(fullname, _AliasLoader(lambda: _legacy_module(fullname)),
                                                   is_package=True)
        target_name = "kfunc_torch" + fullname[len("keras"):]
        if importlib.util.find_spec(target_name) is None:
            hint = _MISSING_HINTS.get(fullname.split(".")[1], "")
            raise ModuleNotFoundError(f"No module named {fullname!r}: keras is aliased to kfunc_torch "
                                      f"(kfunc_torch.alias_keras()), which has no {target_name}.{hint}",
                                      name=fullname)
        return importlib.util.spec_from_loader(fullname, _AliasLoader(lambda: importlib.import_module(target_name)),
                                               is_package=True)


def _real_keras_loaded():
    mod = sys.modules.get("keras")
    if mod is None or mod is _state["keras"]:
        return None
    return mod


def alias_keras(compat: str | None = None, force: bool = False):
    """Make ``import keras`` give kfunc_torch (and ``from tensorflow import keras`` when TensorFlow is not
    installed). Call it before importing keras; calling it again does nothing. Returns the ``keras`` module.

    ``compat`` ('keras2', 'tf2', 'keras3') also sets naming and summary style. If the real Keras was
    imported first, this raises, since names already bound to it would keep pointing to it;
    ``force=True`` drops the real modules from ``sys.modules`` anyway.

    Example::

        >>> import kfunc_torch; kfunc_torch.alias_keras()
        >>> import keras; keras.layers.Dense(3)
    """
    if compat is not None:
        from .generations import set_compat
        set_compat(compat)
    real = _real_keras_loaded()
    if real is not None:
        if not force:
            raise RuntimeError(
                f"alias_keras(): the real Keras ({getattr(real, '__version__', '?')}, from "
                f"{getattr(real, '__file__', '?')}) is already imported in this process, so code that imported it "
                "keeps using it. Call kfunc_torch.alias_keras() before any `import keras` (in a notebook: restart "
                "the kernel and run it in the first cell), or pass force=True to replace it for later imports.")
        for name in [n for n in sys.modules if n == "keras" or n.startswith("keras.")]:
            del sys.modules[name]
    if _state["finder"] is not None:
        return _state["keras"]
    with_tf = "tensorflow" not in sys.modules and importlib.util.find_spec("tensorflow") is None
    _state["keras"] = _make_keras_module()
    _state["tensorflow"] = with_tf
    finder = _KerasFinder(with_tf)
    sys.meta_path.insert(0, finder)
    _state["finder"] = finder
    importlib.invalidate_caches()
    return importlib.import_module("keras")


def unalias_keras() -> None:
    """Undo ``alias_keras()``: remove the finder and the aliased modules. Example: ``unalias_keras()``."""
    finder = _state["finder"]
    if finder is None:
        return
    sys.meta_path.remove(finder)
    for name in [n for n in sys.modules if n in ("keras", "tensorflow") or n.startswith(("keras.", "tensorflow."))]:
        if name.startswith("tensorflow") and not _state["tensorflow"]:
            continue
        del sys.modules[name]
    if _state["tensorflow"]:
        sys.modules.pop(_TENSORBOARD_NO_TF, None)
        stand_in = sys.modules.get("kfunc_torch.tf_stand_in")
        if stand_in is not None:
            stand_in.__dict__.pop("keras", None)
    _state.update(finder=None, keras=None, tensorflow=False)
