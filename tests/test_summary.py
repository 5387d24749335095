"""model.summary() in the keras2, tf2 and keras3 styles.

References: golden files in tests/golden/ (keras2 and tf2 texts from KERAS_FACTS §2 and the seeds;
keras3 texts recorded from real Keras 3.15 through the oracle), and a differential test that runs
real Keras 3's summary on the same models and compares byte for byte.
"""
from __future__ import annotations

import pathlib

import pytest
import torch

import kfunc_torch
from kfunc_torch import Input, Model, Sequential
from kfunc_torch.layers import Dense, concatenate
from kfunc_torch.summary.box import column_widths, wrap_cell
from kfunc_torch.summary.collect import readable_size
from keras_oracle import requires_keras, run_keras

GOLDEN = pathlib.Path(__file__).parent / "golden"


def _lines(model, **kw):
    out = []
    model.summary(print_fn=out.append, **kw)
    return out


def _text(model, **kw):
    return "".join(line if line.endswith("\n") else line + "\n" for line in _lines(model, **kw))


@pytest.fixture(autouse=True)
def _not_a_terminal(monkeypatch):
    # Keras 3 caps its table at the terminal's width; pin it to the non-terminal fallback (80).
    monkeypatch.setenv("COLUMNS", "80")


def _layers(*names):
    import kfunc_torch.layers as L
    return [getattr(L, n) for n in names]


# ---------------------------------------------------------------- seed 001 (keras2)
def _seed001_models():
    # Seed 001's first cell made Input(shape=(32,)) and one Dense, hence dense_2 and input_2 below.
    input_tensor = Input(shape=(32,))
    Dense(32, activation="relu")(input_tensor)
    seq_model = Sequential()
    seq_model.add(Dense(32, activation="relu", input_shape=(64,)))
    seq_model.add(Dense(32, activation="relu"))
    seq_model.add(Dense(10, activation="softmax"))
    input_tensor = Input(shape=(64,))
    x = Dense(32, activation="relu")(input_tensor)
    x = Dense(32, activation="relu")(x)
    model = Model(input_tensor, Dense(10, activation="softmax")(x))
    return seq_model, model


def test_seed001_sequential_and_functional_keras2_golden():
    seq_model, model = _seed001_models()
    assert _text(seq_model) == (GOLDEN / "summary_seed001_sequential_keras2.txt").read_text()
    assert _text(model) == (GOLDEN / "summary_seed001_functional_keras2.txt").read_text()
    assert seq_model.count_params() == model.count_params() == 3466


def test_keras2_prints_one_line_per_call_and_every_row_is_full_width():
    _, model = _seed001_models()
    lines = _lines(model)
    assert lines[0] == 'Model: "model_1"'
    assert all("\n" not in line for line in lines)
    table = lines[1:lines.index("Total params: 3,466")]
    assert {len(line) for line in table} == {65}


def test_default_style_follows_compat(capsys):
    kfunc_torch.set_compat("keras3")
    i = Input((4,))
    m = Model(i, Dense(2)(i))
    m.summary()
    assert capsys.readouterr().out.splitlines()[1].startswith("┏")
    m.summary(style="keras2")
    assert capsys.readouterr().out.splitlines()[1] == "_" * 65


# ---------------------------------------------------------------- KERAS_FACTS §2.1 / §2.2 / seed 004
def _facts_21_model():
    Embedding, LSTM, BatchNormalization = _layers("Embedding", "LSTM", "BatchNormalization")
    main_input = Input(shape=(100,), dtype="int32", name="main_input")
    x = Embedding(output_dim=512, input_dim=10000, input_length=100)(main_input)
    lstm_out = LSTM(32)(x)
    aux_input = Input(shape=(5,), name="aux_input")
    x = concatenate([lstm_out, aux_input])
    x = Dense(64, activation="relu")(x)
    x = BatchNormalization()(x)
    out = Dense(1, activation="sigmoid", name="main_output")(x)
    return Model(inputs=[main_input, aux_input], outputs=out)


def test_keras_facts_21_keras2_golden_truncates_long_cells():
    model = _facts_21_model()
    assert _text(model) == (GOLDEN / "summary_facts21_keras2.txt").read_text()


def _qa_model():
    Embedding, LSTM = _layers("Embedding", "LSTM")
    text_input = Input(shape=(None,), dtype="int32", name="text")
    encoded_text = LSTM(32)(Embedding(input_dim=10000, output_dim=64)(text_input))
    question_input = Input(shape=(None,), dtype="int32", name="question")
    encoded_question = LSTM(16)(Embedding(input_dim=10000, output_dim=32)(question_input))
    concatenated = concatenate([encoded_text, encoded_question], axis=-1)
    answer = Dense(500, activation="softmax")(concatenated)
    return Model([text_input, question_input], answer)


def test_seed004_qa_model_keras2_golden():
    model = _qa_model()
    assert model.count_params() == 1000052
    assert _text(model) == (GOLDEN / "summary_seed004_qa_keras2.txt").read_text()


def test_seed004_qa_model_tf2_golden_wraps_connections():
    kfunc_torch.set_compat("tf2")
    model = _qa_model()
    assert _text(model) == (GOLDEN / "summary_facts22_tf2.txt").read_text()


def test_seed004_qa_model_keras3_golden():
    kfunc_torch.set_compat("keras3")
    model = _qa_model()
    assert _text(model) == (GOLDEN / "summary_facts23_keras3.txt").read_text()


# ---------------------------------------------------------------- details of each style
def test_keras2_and_tf2_spell_rank1_shapes_and_tf2_input_shape_as_list():
    i = Input((3,))
    m = Model(i, Dense(2)(i))
    assert "(None, 2)" in _lines(m)[6] and "(None, 3)" in _lines(m)[4]
    tf2 = _lines(m, style="tf2")
    assert tf2[4].startswith(" input_1 (InputLayer)") and "[(None, 3)]" in tf2[4]
    assert tf2[-4] == "Total params: 8 (32.00 Byte)"
    k3 = _text(m, style="keras3")
    assert "│ dense_1 (Dense)" in k3 and " Total params: 8 (32.00 B)\n" in k3


def test_keras2_layer_called_with_different_shapes_is_multiple_and_shared_layer_rows():
    a, b = Input((None, 4)), Input((None, 4))
    shared = Dense(3)
    y = concatenate([shared(a), shared(b)], axis=1)
    m = Model([a, b], y)
    lines = _lines(m)
    row = next(i for i, l in enumerate(lines) if l.startswith("dense_1 (Dense)"))
    assert lines[row][32:53].rstrip() == "(None, None, 3)"
    assert lines[row][65:].rstrip() == "input_1[0][0]"
    assert lines[row + 1] == " " * 65 + "input_2[0][0]".ljust(33)
    assert lines[-4] == "Total params: 15"  # the shared kernel and bias count once
    # Called on inputs of different lengths: different output shapes -> "multiple".
    c, d = Input((5, 4)), Input((6, 4))
    shared2 = Dense(3)
    m2 = Model([c, d], concatenate([shared2(c), shared2(d)], axis=1))
    row2 = next(l for l in _lines(m2) if l.startswith(shared2.name))
    assert row2[32:53].rstrip() == "multiple"


def test_nested_model_connection_uses_the_outer_node_index():
    i = Input((4,))
    inner = Model(i, Dense(3)(i))
    j = Input((4,))
    k = Input((4,))
    outer = Model([j, k], concatenate([inner(j), inner(k)]))
    lines = _lines(outer)
    row = next(i for i, l in enumerate(lines) if l.startswith("model_1 (Model)"))
    assert lines[row][65:].rstrip() == "input_2[0][0]"
    assert lines[row + 1][65:].rstrip() == "input_3[0][0]"
    concat = next(i for i, l in enumerate(lines) if l.startswith("concatenate_1"))
    assert lines[concat][65:].rstrip() == "model_1[1][0]" and lines[concat + 1][65:].rstrip() == "model_1[2][0]"
    assert "model_1 (Functional)" in _text(outer, style="tf2")


def test_functional_chain_is_sequential_like_but_keeps_its_input_row():
    i = Input((8,))
    m = Model(i, Dense(2)(Dense(4)(i)))
    lines = _lines(m)
    assert lines[2].rstrip() == "Layer (type)                 Output Shape              Param #"
    assert lines[4].startswith("input_1 (InputLayer)")


def test_line_length_and_absolute_positions_are_honoured():
    i = Input((8,))
    m = Model(i, Dense(2)(i))
    lines = _lines(m, line_length=40)
    assert lines[1] == "_" * 40 and lines[2] == "Layer (type)      Output Shape    Param #"[:40].ljust(40)
    lines = _lines(m, positions=[20, 40, 50])
    assert lines[4] == "input_1 (InputLayer)"[:19] + " " + "(None, 8)".ljust(20) + "0".ljust(10)


def test_show_trainable_classic_styles():
    i = Input((8,))
    m = Model(i, Dense(2, trainable=False)(Dense(4)(i)))
    lines = _lines(m, show_trainable=True)
    assert lines[1] == "_" * 76
    assert lines[2].rstrip().endswith("Trainable")
    assert lines[8][65:].rstrip() == "N" and lines[6][65:].rstrip() == "Y"
    assert "Non-trainable params: 10" in lines


def test_unbuilt_model_and_bad_style_raise_helpful_errors():
    s = Sequential([Dense(3)])
    with pytest.raises(ValueError, match="not been built.*build"):
        s.summary()
    i = Input((8,))
    with pytest.raises(ValueError, match="Unknown summary style 'keras4'.*keras2, tf2, keras3"):
        Model(i, Dense(2)(i)).summary(style="keras4")


def test_layer_range():
    i = Input((8,))
    m = Model(i, Dense(2, name="last")(Dense(4, name="mid")(i)))
    rows = [l for l in _lines(m, layer_range=["mid", "last"]) if "(Dense)" in l or "(InputLayer)" in l]
    assert [r.split()[0] for r in rows] == ["mid", "last"]
    with pytest.raises(ValueError, match="does not match"):
        m.summary(layer_range=["nope", "last"])


def test_box_helpers_match_rich_layout_rules():
    # Widths derived by hand from KERAS_FACTS §2.3: 76 wide, positions .3/.56/.74/1.
    assert column_widths(76, [.3, .56, .74, 1.]) == [21, 19, 12, 19]
    assert column_widths(76, [.45, .8, 1.]) == [33, 24, 15]
    assert wrap_cell("batch_normalization (BatchNormalization)", 17) == ["batch_normalizat…", "(BatchNormalizat…"]
    assert wrap_cell("12,416", 10, "right") == ["    12,416"]
    assert readable_size(1000052 * 4) == "3.81 MB" and readable_size(512) == "512.00 B"


# ---------------------------------------------------------------- differential against real Keras 3
MODELS_SRC = '''
def build_models(keras):
    L = keras.layers
    out = {}
    i = keras.Input((64,)); x = L.Dense(32, activation="relu")(i); x = L.Dense(32)(x)
    out["mlp"] = keras.Model(i, L.Dense(10, activation="softmax")(x))
    a = keras.Input((100,), name="main_input"); b = keras.Input((5,), name="aux_input")
    h = L.Dense(16, name="encoder_with_a_rather_long_name")(a)
    aux = L.Dense(1, activation="sigmoid", name="aux_output")(h)
    d = L.Dense(64, activation="relu")(L.concatenate([h, b]))
    out["two_io"] = keras.Model(inputs=[a, b], outputs=[L.Dense(1, name="main_output")(d), aux])
    x1 = keras.Input((10,)); x2 = keras.Input((10,)); shared = L.Dense(3)
    frozen = L.Dense(3, trainable=False)
    out["shared"] = keras.Model([x1, x2], L.add([shared(x1), shared(x2), frozen(x2)]))
    ii = keras.Input((10,)); inner = keras.Model(ii, L.Dense(4)(ii))
    z1 = keras.Input((10,)); z2 = keras.Input((10,))
    out["nested"] = keras.Model([z1, z2], L.Dense(2)(L.concatenate([inner(z1), inner(z2)])))
    z = keras.Input((10,))
    out["nested_chain"] = keras.Model(z, L.Dense(2)(inner(z)))
    f = keras.Input((4, 6)); g = L.Reshape((2, 12))(L.Flatten()(f))
    out["reshape"] = keras.Model(f, L.Flatten()(g))
    s = keras.Input((7, 3), name="seq_in")
    o, h, c = L.LSTM(4, return_state=True)(s)
    tokens = keras.Input((7,), dtype="int32", name="tokens")
    flat = L.Flatten()(L.Embedding(50, 3)(tokens))
    out["lstm_state"] = keras.Model([s, tokens], L.Dense(2)(L.concatenate([L.BatchNormalization()(o), h, c, flat])))
    # Last: a built Keras 3 Sequential also takes a "functional" name (see the report on naming).
    out["seq"] = keras.Sequential([keras.Input((64,)), L.Dense(32), L.Dense(10)])
    return out

OPTIONS = {"plain": {}, "trainable": {"show_trainable": True}, "nested": {"expand_nested": True},
           "wide": {"line_length": 100}, "narrow": {"line_length": 60}}
'''


def _summaries(models, options):
    res = {}
    for mname, model in models.items():
        for oname, kw in options.items():
            got = []
            model.summary(print_fn=lambda s, **k: got.append(s), **kw)
            res[f"{mname}/{oname}"] = got
        res[f"{mname}/counts"] = (model.count_params(), sum(int(w.numel()) if hasattr(w, "numel") else 0
                                                              for w in model.trainable_weights))
    return res


@requires_keras
def test_keras3_summaries_match_real_keras_byte_for_byte():
    keras_res = run_keras(MODELS_SRC + '''
import keras
models = build_models(keras)
for mname, model in models.items():
    for oname, kw in OPTIONS.items():
        got = []
        model.summary(print_fn=lambda s, **k: got.append(s), **kw)
        result[f"{mname}/{oname}"] = got
    result[f"{mname}/counts"] = (model.count_params(),
                                 sum(int(np.prod(w.shape)) for w in model.trainable_weights))
''')
    kfunc_torch.set_compat("keras3")
    ns = {}
    exec(MODELS_SRC, ns)
    ours = {}
    for mname, model in ns["build_models"](kfunc_torch).items():
        for oname, kw in ns["OPTIONS"].items():
            ours[f"{mname}/{oname}"] = _lines(model, **kw)
        ours[f"{mname}/counts"] = (model.count_params(), sum(w.numel() for w in model.trainable_weights))
    mismatches = [k for k in keras_res if keras_res[k] != ours.get(k)]
    detail = "\n".join(f"--- {k}\nkeras:\n{''.join(map(str, keras_res[k]))}\nours:\n{''.join(map(str, ours.get(k)))}"
                       for k in mismatches[:2])
    assert not mismatches, f"{len(mismatches)} summaries differ: {mismatches}\n{detail}"


def test_keras3_print_fn_gets_the_whole_table_in_one_call_like_keras3():
    kfunc_torch.set_compat("keras3")
    i = Input((4,))
    calls = _lines(Model(i, Dense(2)(i)))
    assert len(calls) == 1 and calls[0].endswith(" Non-trainable params: 0 (0.00 B)\n")


def test_row_params_add_up_to_total_and_expand_nested_lists_inner_layers():
    i = Input((4,))
    inner = Model(i, Dense(3)(Dense(5)(i)))
    j = Input((4,))
    outer = Model(j, Dense(2)(inner(j)))
    lines = _lines(outer, expand_nested=True)
    rows = [l for l in lines if "(" in l and not l.startswith(("Model", "Layer"))]
    names = [r.split()[0] if not r.startswith("  └") else r.split()[1] for r in rows]
    assert names == ["input_2", "model_1", "input_1", "dense_2", "dense_1", "dense_3"]
    top = [r for r in rows if not r.startswith(" ")]
    assert sum(int(r[55:65]) for r in top if r[55:65].strip()) == outer.count_params() == 25 + 18 + 8


def test_seed004_multi_output_model_rows_match_the_seed_scrape():
    Embedding, Conv1D, MaxPooling1D, GlobalMaxPooling1D = _layers(
        "Embedding", "Conv1D", "MaxPooling1D", "GlobalMaxPooling1D")
    # Earlier notebook cells made 5 Embeddings, 15 Conv1Ds and 6 MaxPooling1Ds (hence embedding_6...).
    for _ in range(5):
        Embedding(2, 2)
    for _ in range(15):
        Conv1D(1, 1)
    for _ in range(6):
        MaxPooling1D(2)
    posts_input = Input(shape=(None,), dtype="int32", name="posts")
    x = Embedding(input_dim=50000, output_dim=256)(posts_input)
    x = Conv1D(filters=128, kernel_size=5, activation="relu")(x)
    x = MaxPooling1D(5)(x)
    x = Conv1D(256, 5, activation="relu")(x)
    x = GlobalMaxPooling1D()(x)
    x = Dense(128, activation="relu")(x)
    model = Model(posts_input, [Dense(1, name="age")(x), Dense(10, activation="softmax", name="income")(x)])
    ours = _lines(model)
    # the four rows as seed 004 (shared/seeds/004_*.txt) printed them, copied here so CI has them
    scraped = (GOLDEN / "summary_seed004_rows_keras2.txt").read_text().splitlines()
    assert len(scraped) == 4
    assert all(line in ours for line in scraped), "\n".join(ours)


def test_subclassed_model_rows_show_multiple_in_keras2():
    class Two(Model):
        def __init__(self):
            super().__init__()
            self.d1, self.d2 = Dense(4), Dense(2)

        def call(self, x):
            return self.d2(self.d1(x))

    m = Two()
    with pytest.raises(ValueError, match="not been built"):
        m.summary()
    m(torch.ones(1, 3))
    lines = _lines(m)
    assert lines[4] == "dense_1 (Dense)              multiple                  16        "
    assert "Total params: 26" in lines


def test_tf2_wraps_a_long_class_name_onto_the_next_line():
    kfunc_torch.set_compat("tf2")
    a, b, c = Input((16,)), Input((16,)), Input((32,))
    model = Model([a, b, c], concatenate([concatenate([a, b]), c]))
    lines = _lines(model)
    row = next(i for i, l in enumerate(lines) if l.startswith(" concatenate_1 (Concatenate"))
    # KERAS_FACTS §2.2: ` concatenate_1 (Concatenate  (None, 64) ...` then ` )` on the next line.
    assert lines[row][:41] == " concatenate_1 (Concatenate  (None, 64)  "
    assert lines[row + 1][:29] == " )".ljust(29) and len(lines[row + 1]) == 98


def _wrapping_model():
    a = Input((4,), name="a_twenty_char_inputx")  # its connection's repr is exactly 30 characters
    b = Input((3,), name="b")
    h = Dense(5, name="dense_with_a_long_name_1")(a)  # an entry longer than the 30-character cell
    inner_in = Input((5,), name="inner_in")
    inner = Model(inner_in, Dense(2, name="inner_dense")(inner_in), name="inner")
    y, z = inner(h), inner(Dense(5, name="d5")(b))  # a nested model called twice
    return Model([a, b], Dense(1, name="out")(concatenate([h, y, z, b], name="cat")), name="wrapping")


def test_tf2_last_column_holds_its_full_width_and_nested_calls_count_from_0():
    # tf_keras's print_row: a cell of width w holds w-3 characters, the last one w (30 of 98-68); a
    # wrap breaks after the first "'," in what fits. tf_keras's Functional has no node of its own, so
    # the two calls of `inner` are inner[0][0] and inner[1][0] (Keras 2.3: [1][0] and [2][0]).
    kfunc_torch.set_compat("tf2")
    model = _wrapping_model()
    text = _text(model)
    assert text == (GOLDEN / "summary_tf2_wrapping_nested.txt").read_text()
    assert " ['a_twenty_char_inputx[0][0]']\n" in text and all(len(l) == 98 for l in _lines(model)[1:-4])
    kfunc_torch.set_compat("keras2")
    kfunc_torch.backend.clear_session()
    keras2 = _text(_wrapping_model())
    assert "inner[1][0]" in keras2 and "inner[2][0]" in keras2 and "inner[0][0]" not in keras2
