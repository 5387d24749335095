"""Find each Keras op name in the modules that implement it (first match wins), for the namespaces."""
from __future__ import annotations

from . import core_math, image_ops, nn_ops, numpy_api, numpy_layout, numpy_more

# Order matters where two modules define a name: Keras 3 semantics first (nn_ops.hard_sigmoid is
# relu6(x + 3) / 6, not Keras 2's 0.2 x + 0.5).
_SOURCES = (numpy_api, numpy_more, numpy_layout, nn_ops, core_math)


def collect(names, sources=_SOURCES) -> dict:
    """``{name: function}`` for every name some source defines (missing ones are left out)."""
    out = {}
    for name in names:
        for mod in sources:
            if name in vars(mod) and not name.startswith("_"):
                out[name] = vars(mod)[name]
                break
    return out


IMAGE_SOURCES = (image_ops,)
