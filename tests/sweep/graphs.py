"""Random functional models, generated from a seed as program text that runs in both worlds.

``program(seed)`` writes a small functional-API program: 1-3 inputs (vectors, float sequences,
integer sequences through a masking ``Embedding``), a DAG of layers over them (Dense, Conv1D,
LSTM/GRU, normalization, global pooling, merges, arithmetic on symbolic tensors that records op
layers, layers shared between branches, nested models applied like layers, masks from
``Embedding(mask_zero=True)`` and ``Masking`` flowing into merges, pooling, RNNs and nested models),
and a ``Model`` over list, dict or single inputs and outputs (dict keys chosen so that insertion
order differs from sorted order). The names it uses (``Input``, ``Model``, layer classes) are
bound to Keras in the oracle and to kfunc_torch here.

Example::

    src, feeds = program(7)         # source text, and {input key: (kind, shape)} for the data
    ns = namespace()                # kfunc_torch's Input, Model and layers
    exec(src, ns); model = ns["model"]
"""
from __future__ import annotations

import random

import numpy as np

STEPS = 5
VOCAB = 7

_KEYS = ["zeta", "alpha", "mid", "beta", "omega", "delta"]  # insertion order != sorted order


class _Gen:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.lines: list[str] = []
        self.n = 0
        self.tensors: list[dict] = []   # {"var", "kind": vec|seq, "dim", "masked"}
        self.consumed: set[str] = set()
        self.shared: list[tuple[str, str, int]] = []  # (layer var, kind, input dim)

    def new(self, expr: str, kind: str, dim: int, masked: bool, uses=()) -> dict:
        var = f"t{self.n}"
        self.n += 1
        self.lines.append(f"{var} = {expr}")
        self.consumed.update(u["var"] for u in uses)
        t = {"var": var, "kind": kind, "dim": dim, "masked": masked}
        self.tensors.append(t)
        return t

    def pick(self, kind=None, dim=None):
        cands = [t for t in self.tensors if (kind is None or t["kind"] == kind) and (dim is None or t["dim"] == dim)]
        # prefer unconsumed tensors so that the graph stays connected and deep
        fresh = [t for t in cands if t["var"] not in self.consumed]
        pool = fresh if fresh and self.rng.random() < 0.75 else cands
        return self.rng.choice(pool) if pool else None

    # -- one step of the DAG
    def step(self):
        r = self.rng
        t = self.pick()
        op = r.choice(["dense", "dense", "norm", "merge", "merge", "arith", "shared", "nested", "act"]
                      + (["seq", "seq", "pool"] if t["kind"] == "seq" else []))
        k, d, m = t["kind"], t["dim"], t["masked"]
        if op == "dense":
            u = r.choice([2, 3, 4])
            act = r.choice([None, "relu", "tanh", "sigmoid"])
            a = f", activation={act!r}" if act else ""
            if r.random() < 0.3:  # a named layer, so later auto names skip nothing
                var = f"L{self.n}"
                self.lines.append(f"{var} = Dense({u}{a})")
                self.shared.append((var, k, d))
                return self.new(f"{var}({t['var']})", k, u, m, [t])
            return self.new(f"Dense({u}{a})({t['var']})", k, u, m, [t])
        if op == "norm":
            layer = r.choice(["BatchNormalization()", "LayerNormalization()", "Dropout(0.3)"])
            return self.new(f"{layer}({t['var']})", k, d, m, [t])
        if op == "act":
            layer = r.choice(["Activation('relu')", "ReLU()", "LeakyReLU()", "Activation('softmax')"])
            return self.new(f"{layer}({t['var']})", k, d, m, [t])
        if op == "merge":
            other = self.pick(kind=k, dim=d)
            if other is None or other is t:
                other = self.new(f"Dense({d})({self.pick(kind=k)['var']})", k, d, m)
            cls = r.choice(["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate"])
            out_dim = 2 * d if cls == "Concatenate" else d
            return self.new(f"{cls}()([{t['var']}, {other['var']}])", k, out_dim, m or other["masked"], [t, other])
        if op == "arith":
            other = self.pick(kind=k, dim=d)
            expr = r.choice([f"{t['var']} * 0.5 + 1.0", f"2.0 * {t['var']}"]
                            + ([f"{t['var']} + {other['var']}", f"{t['var']} - {other['var']}"] if other else []))
            return self.new(expr, k, d, False, [t] + ([other] if other else []))
        if op == "shared":
            same = [(v, kk, dd) for v, kk, dd in self.shared if kk == k and dd == d]
            if same:
                var, _, _ = r.choice(same)
                u = int(self._dense_units(var))
                return self.new(f"{var}({t['var']})", k, u, m, [t])
            return self.new(f"Dense({d})({t['var']})", k, d, m, [t])
        if op == "nested":
            return self._nested(t)
        if op == "seq":
            layer = r.choice([f"Conv1D({r.choice([2, 3])}, 3, padding='same')", "LSTM(3, return_sequences=True)",
                              "GRU(2, return_sequences=True)", "SimpleRNN(3, return_sequences=True)"])
            dim = int(layer.split("(")[1].split(",")[0])
            masked = m and not layer.startswith("Conv1D")  # Keras's Conv1D does not propagate masks
            return self.new(f"{layer}({t['var']})", "seq", dim, masked, [t])
        if op == "pool":
            layer = r.choice(["GlobalAveragePooling1D()", "GlobalMaxPooling1D()", "LSTM(3)", "GRU(2)", "Flatten()"])
            dim = {"LSTM(3)": 3, "GRU(2)": 2, "Flatten()": STEPS * d}.get(layer, d)
            return self.new(f"{layer}({t['var']})", "vec", dim, False, [t])
        raise AssertionError(op)

    def _dense_units(self, var):
        for line in self.lines:
            if line.startswith(f"{var} = Dense("):
                return line.split("(")[1].split(",")[0].rstrip(")")
        raise AssertionError(var)

    def _nested(self, t):
        """A sub-model built on a fresh Input of the same shape, applied like a layer."""
        r, k, d = self.rng, t["kind"], t["dim"]
        j = f"j{self.n}"
        shape = f"({d},)" if k == "vec" else f"({STEPS}, {d})"
        body = r.choice(["dense2", "pool", "rnn"] if k == "seq" else ["dense2", "dense1"])
        if body == "dense2":
            inner, kind, dim = f"Dense({d})(Dense(3, activation='relu')({j}))", k, d
        elif body == "dense1":
            inner, kind, dim = f"Dense(2)({j})", k, 2
        elif body == "pool":
            inner, kind, dim = f"GlobalAveragePooling1D()({j})", "vec", d
        else:
            inner, kind, dim = f"LSTM(2)({j})", "vec", 2
        self.lines.append(f"{j} = Input(shape={shape})")
        self.lines.append(f"sub{self.n} = Model({j}, {inner})")
        masked = t["masked"] and kind == "seq"
        return self.new(f"sub{self.n}({t['var']})", kind, dim, masked, [t])


def program(seed: int) -> tuple[str, dict]:
    """(source text defining ``model``, {feed key: (kind, shape)}) for ``seed``; feed keys are the
    input names in dict mode, else their positions."""
    g = _Gen(seed)
    r = g.rng
    n_in = r.choice([1, 1, 2, 2, 3])
    as_dict = n_in > 1 and r.random() < 0.35
    inputs, feeds = [], {}
    for i in range(n_in):
        kind = r.choice(["vec", "vec", "seq", "ints"])
        name = _KEYS[i] if as_dict else None
        nm = f", name={name!r}" if name else ""
        var = f"i{i}"
        if kind == "vec":
            d = r.choice([3, 4, 5])
            g.lines.append(f"{var} = Input(shape=({d},){nm})")
            g.tensors.append({"var": var, "kind": "vec", "dim": d, "masked": False})
            feeds[name or i] = ("float", (d,))
        elif kind == "seq":
            d = r.choice([2, 3])
            g.lines.append(f"{var} = Input(shape=({STEPS}, {d}){nm})")
            feeds[name or i] = ("float", (STEPS, d))
            if r.random() < 0.5:  # Masking: steps that are all 0.0 are masked
                g.tensors.append({"var": var, "kind": "seq", "dim": d, "masked": False})
                g.new(f"Masking()({var})", "seq", d, True, [g.tensors[-1]])
                feeds[name or i] = ("float_masked", (STEPS, d))
            else:
                g.tensors.append({"var": var, "kind": "seq", "dim": d, "masked": False})
        else:
            g.lines.append(f"{var} = Input(shape=({STEPS},), dtype='int32'{nm})")
            feeds[name or i] = ("ints", (STEPS,))
            dim = r.choice([2, 3])
            emb = g.new(f"Embedding({VOCAB}, {dim}, mask_zero=True)({var})", "seq", dim, True)
            g.consumed.add(var)
            del emb
        inputs.append(var)
    # every input starts at least one branch
    for _ in range(r.randint(2, 7)):
        g.step()
    leaves = [t for t in g.tensors if t["var"] not in g.consumed and not t["var"].startswith("i")]
    for var in inputs:  # an input no step used feeds a Dense, so the model stays connected
        if var not in g.consumed and not any(line.split(" = ")[1].endswith(f"({var})") for line in g.lines):
            t = next(t for t in g.tensors if t["var"] == var)
            leaves.append(g.new(f"Dense(2)({var})" if t["kind"] != "seq" else f"GlobalMaxPooling1D()({var})",
                                "vec", 2 if t["kind"] != "seq" else t["dim"], False, [t]))
    leaves = [t for t in leaves if t["var"] not in g.consumed] or [g.tensors[-1]]
    r.shuffle(leaves)
    while len(leaves) > 3:  # join extra leaves into one output
        a, b = leaves.pop(), leaves.pop()
        if a["kind"] == "seq":
            a = g.new(f"GlobalAveragePooling1D()({a['var']})", "vec", a["dim"], False, [a])
        if b["kind"] == "seq":
            b = g.new(f"GlobalAveragePooling1D()({b['var']})", "vec", b["dim"], False, [b])
        leaves.append(g.new(f"Concatenate()([{a['var']}, {b['var']}])", "vec", a["dim"] + b["dim"], False, [a, b]))
    outs = [t["var"] for t in leaves]
    in_struct = (inputs[0] if n_in == 1 and r.random() < 0.5 else
                 "{" + ", ".join(f"{_KEYS[i]!r}: {v}" for i, v in enumerate(inputs)) + "}" if as_dict else
                 "[" + ", ".join(inputs) + "]")
    style = r.choice(["single", "list", "dict"]) if len(outs) == 1 else r.choice(["list", "dict"])
    if style == "single":
        out_struct = outs[0]
    elif style == "list":
        out_struct = "[" + ", ".join(outs) + "]"
    else:
        keys = r.sample(_KEYS, len(outs))
        out_struct = "{" + ", ".join(f"{k!r}: {v}" for k, v in zip(keys, outs)) + "}"
    g.lines.append(f"model = Model({in_struct}, {out_struct})")
    return "\n".join(g.lines) + "\n", feeds


def make_feeds(feeds: dict, seed: int, batch: int = 4):
    """Data for ``feeds`` (list in input order, or a dict by name), seeded."""
    rng = np.random.default_rng(seed)
    out = {}
    for key, (kind, shape) in feeds.items():
        if kind == "ints":
            x = rng.integers(1, VOCAB, (batch,) + shape).astype("int32")
            x[1:, -int(rng.integers(1, 3)):] = 0  # padded tails (masked steps); sample 0 is unpadded
            x[2:, 1] = 0                          # and a masked step inside the sequence
        else:
            x = rng.standard_normal((batch,) + shape).astype("float32")
            if kind == "float_masked":
                x[1:, -2:] = 0.0  # masked steps for Masking
        out[key] = x
    if all(isinstance(k, int) for k in out):
        return [out[k] for k in sorted(out)]
    return out
