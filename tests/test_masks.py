"""Masks as Keras 3 keeps them: ``tensor._keras_mask`` on eager outputs and on symbolic tensors,
``call(mask=)`` filled from the input's mask (in eager calls inside a subclassed layer or model, and
while a graph is built), a layer's own ``compute_mask``; the masking guide's patterns run here and
under real Keras 3, and masks, outputs and losses per epoch must agree."""
import numpy as np
import pytest
import torch

import kfunc_torch as keras
from kfunc_torch import layers
from tests.keras_oracle import requires_keras, run_keras
from tests.same_program import assert_same, run_here

_PROGRAM = """
import numpy as np
import keras
from keras import layers, ops

ids, emb_w, lstm_w, dense_w = inputs["ids"], inputs["emb_w"], inputs["lstm_w"], inputs["dense_w"]
y = inputs["y"]

def has_mask(t):
    return getattr(t, "_keras_mask", None) is not None

def np_mask(t):
    return ops.convert_to_numpy(t._keras_mask)

# 1. Eager: Embedding(mask_zero) and Masking attach masks; an unmasking layer's output has none.
emb = layers.Embedding(10, 3, mask_zero=True)
out = emb(ids)
result["eager_embedding_mask"] = np_mask(out)
padded = np.where(ids[..., None] > 0, 1.0, 0.0).astype("float32") * np.arange(1, 4, dtype="float32")
result["eager_masking_mask"] = np_mask(layers.Masking(0.0)(padded))
result["eager_dense_passes"] = np_mask(layers.Dense(2)(out))
result["eager_pool_has_mask"] = has_mask(layers.GlobalAveragePooling1D()(out))
result["plain_has_mask"] = has_mask(ops.convert_to_tensor(ids))

# 2. Symbolic: the mask of a symbolic tensor is a boolean tensor of the timesteps.
i = keras.Input((None,), dtype="int32")
e = layers.Embedding(10, 3, mask_zero=True)(i)
result["sym_mask"] = [tuple(e._keras_mask.shape), str(e._keras_mask.dtype)]
result["sym_input_has_mask"] = has_mask(i)
result["sym_concat_mask"] = tuple(layers.Concatenate()([e, e])._keras_mask.shape)
result["sym_pool_has_mask"] = has_mask(layers.GlobalAveragePooling1D()(e))

# 3. The guide's layer that passes masks on (supports_masking), and call(inputs, mask=None) that uses
#    the mask already while the graph is built (TemporalSoftmax).
class MyActivation(layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
    def call(self, inputs):
        return ops.relu(inputs)

class TemporalSoftmax(layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
    def call(self, inputs, mask=None):
        assert mask is not None
        broadcast_float_mask = ops.expand_dims(ops.cast(mask, "float32"), -1)
        inputs_exp = ops.exp(inputs) * broadcast_float_mask
        inputs_sum = ops.sum(inputs_exp * broadcast_float_mask, axis=-1, keepdims=True)
        return inputs_exp / inputs_sum

i = keras.Input((None,), dtype="int32")
e_layer = layers.Embedding(10, 3, mask_zero=True)
x = e_layer(i)
x = MyActivation()(x)
result["activation_keeps_mask"] = has_mask(x)
lstm = layers.LSTM(4, return_sequences=True)
x = lstm(x)
x = layers.Dense(1)(x)
soft = TemporalSoftmax()(x)
m = keras.Model(i, soft)
e_layer.set_weights([emb_w]); lstm.set_weights(lstm_w)
m.layers[-2].set_weights(dense_w)
result["temporal_softmax"] = m.predict(ids, verbose=0)
direct = m(ids)
result["model_output_mask"] = np_mask(direct)

# 4. The symbolic mask passed on explicitly.
i = keras.Input((None,), dtype="int32")
e_layer2 = layers.Embedding(10, 3, mask_zero=True)
e = e_layer2(i)
lstm2 = layers.LSTM(4)
m2 = keras.Model(i, lstm2(e, mask=e._keras_mask))
e_layer2.set_weights([emb_w]); lstm2.set_weights(lstm_w)
result["explicit_symbolic_mask"] = m2.predict(ids, verbose=0)

# 5. The guide's MyLayer: compute_mask of a sublayer passed by hand; and a subclassed model whose LSTM
#    gets the Embedding's mask without being told (call(mask=) filled from _keras_mask).
class MyLayer(layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.embedding = layers.Embedding(input_dim=10, output_dim=3, mask_zero=True)
        self.lstm = layers.LSTM(4)
    def call(self, inputs):
        x = self.embedding(inputs)
        mask = self.embedding.compute_mask(inputs)
        return self.lstm(x, mask=mask)

my = MyLayer()
my(ids)
my.embedding.set_weights([emb_w]); my.lstm.set_weights(lstm_w)
result["my_layer"] = my(ids)

seen = []
class Net(keras.Model):
    def __init__(self):
        super().__init__()
        self.embedding = layers.Embedding(10, 3, mask_zero=True)
        self.lstm = layers.LSTM(4)
        self.dense = layers.Dense(1)
    def call(self, x):
        h = self.embedding(x)
        seen.append(has_mask(h))
        return self.dense(self.lstm(h))

net = Net()
net(ids)
net.embedding.set_weights([emb_w]); net.lstm.set_weights(lstm_w); net.dense.set_weights(dense_w)
result["net_out"] = net(ids)
net.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
h = net.fit(ids, y, batch_size=4, epochs=3, shuffle=False, verbose=0)
result["net_losses"] = h.history["loss"]
result["net_seen"] = sorted(set(seen))

# 6. A layer's own compute_mask (the guide's CustomEmbedding) and masks of several outputs
#    (TemporalSplit).
class CustomEmbedding(layers.Layer):
    def __init__(self, input_dim, output_dim, mask_zero=False, **kwargs):
        super().__init__(**kwargs)
        self.input_dim, self.output_dim, self.mask_zero = input_dim, output_dim, mask_zero
    def build(self, input_shape):
        self.embeddings = self.add_weight(shape=(self.input_dim, self.output_dim), initializer="ones")
    def call(self, inputs):
        inputs = ops.cast(inputs, "int32")
        return ops.take(self.embeddings, inputs, axis=0)
    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return ops.not_equal(inputs, 0)

class TemporalSplit(keras.layers.Layer):
    def call(self, inputs):
        return ops.split(inputs, 2, axis=1)
    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        return ops.split(mask, 2, axis=1)

ce = CustomEmbedding(10, 3, mask_zero=True)
result["custom_embedding_mask"] = np_mask(ce(ids))
first, second = TemporalSplit()(ce(ids))
result["split_masks"] = [np_mask(first), np_mask(second)]
i = keras.Input((ids.shape[1],), dtype="int32")
a, b = TemporalSplit()(CustomEmbedding(10, 3, mask_zero=True)(i))
result["sym_split"] = [tuple(a._keras_mask.shape), tuple(b._keras_mask.shape)]
"""


def _data():
    rng = np.random.default_rng(3)
    ids = np.array([[1, 2, 3, 0, 0, 0], [4, 5, 0, 0, 0, 0], [6, 7, 8, 9, 1, 0], [2, 0, 0, 0, 0, 0],
                    [3, 3, 3, 3, 3, 3], [9, 8, 0, 0, 0, 0], [1, 1, 1, 0, 0, 0], [5, 0, 0, 0, 0, 0]], dtype="int32")
    return {"ids": ids,
            "emb_w": rng.normal(size=(10, 3)).astype("float32"),
            "lstm_w": [rng.normal(scale=0.5, size=s).astype("float32") for s in ((3, 16), (4, 16), (16,))],
            "dense_w": [rng.normal(size=(4, 1)).astype("float32"), np.zeros(1, "float32")],
            "y": rng.normal(size=(8, 1)).astype("float32")}


@requires_keras
def test_masks_match_keras3():
    keras.set_compat("keras3")
    data = _data()
    ours = run_here(_PROGRAM, data)
    ref = run_keras(_PROGRAM, data)
    assert ref["net_seen"] == [True] and ref["eager_pool_has_mask"] is False  # the oracle itself
    assert_same(ours, ref, exact=("eager_pool_has_mask", "plain_has_mask", "sym_mask", "sym_input_has_mask",
                                  "sym_concat_mask", "sym_pool_has_mask", "activation_keeps_mask", "net_seen",
                                  "sym_split"))
    for key in ("eager_embedding_mask", "eager_masking_mask", "eager_dense_passes", "model_output_mask",
                "custom_embedding_mask"):
        np.testing.assert_array_equal(ours[key], ref[key], err_msg=key)
    for a, b in zip(ours["split_masks"], ref["split_masks"]):
        np.testing.assert_array_equal(a, b)
    assert_same(ours, ref, close=("temporal_softmax", "explicit_symbolic_mask", "my_layer", "net_out",
                                  "net_losses"), rtol=1e-4, atol=1e-5)


def test_mask_changes_the_result_where_it_should():
    # The subclassed model's LSTM skips padded steps only because it receives the mask: check it does,
    # against the same LSTM called with an explicit all-True mask (no skipping).
    emb, lstm = layers.Embedding(10, 3, mask_zero=True), layers.LSTM(4)
    ids = torch.tensor([[1, 2, 0, 0]])
    h = emb(ids)
    auto = lstm(h)
    explicit = lstm(h, mask=torch.ones(1, 4, dtype=torch.bool))
    by_hand = lstm(h[:, :2])
    torch.testing.assert_close(auto, by_hand)
    assert not torch.allclose(auto, explicit)


def test_symbolic_mask_of_an_unmasked_tensor_is_missing():
    keras.set_compat("keras3")
    i = keras.Input((4,))
    assert not hasattr(i, "_keras_mask")
    with pytest.raises(AttributeError, match="carries no mask"):
        i._keras_mask
