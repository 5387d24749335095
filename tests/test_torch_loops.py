"""A kfunc_torch model trains where any nn.Module does: a plain torch loop and a Lightning module."""
import numpy as np
import pytest
import torch

from kfunc_torch import Input, Model, layers, optimizers


def _model():
    torch.manual_seed(0)
    i = Input((8,))
    h = layers.Dense(16, activation="relu")(i)
    h = layers.Dropout(0.1)(h)
    return Model(i, layers.Dense(1)(h))


def _data(n=64):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(n, 8, generator=g)
    return x, x.sum(1, keepdim=True)


def _mse(model, x, y):
    model.eval()
    with torch.no_grad():
        return float(torch.nn.functional.mse_loss(model(x), y))


@pytest.mark.parametrize("which", ["torch.optim.Adam", "keras Adam.apply"])
def test_plain_torch_loop_trains_the_model(which):
    model = _model()
    x, y = _data()
    params = model.trainable_weights
    if which == "torch.optim.Adam":
        opt = torch.optim.Adam(params, lr=1e-2)
    else:
        opt = optimizers.Adam(learning_rate=1e-2)
    before = _mse(model, x, y)
    model.train()  # Dropout active, as in Keras's fit
    for _ in range(60):
        loss = torch.nn.functional.mse_loss(model(x), y)
        model.zero_grad()
        loss.backward()
        if which == "torch.optim.Adam":
            opt.step()
        else:
            opt.apply([p.grad for p in params], params)  # Keras 3's spelling, as the torch guide writes it
    assert _mse(model, x, y) < 0.5 * before


def test_lightning_module_trains_the_model(tmp_path):
    lightning = pytest.importorskip("lightning")

    class Regressor(lightning.LightningModule):
        def __init__(self):
            super().__init__()
            self.net = _model()

        def training_step(self, batch, batch_idx):
            x, y = batch
            loss = torch.nn.functional.mse_loss(self.net(x), y)
            self.log("train_loss", loss)
            return loss

        def configure_optimizers(self):
            opt = optimizers.Adam(learning_rate=1e-2)  # a Keras optimizer is a torch.optim.Optimizer
            opt.build(self.net.trainable_weights)
            return {"optimizer": opt, "lr_scheduler": torch.optim.lr_scheduler.StepLR(opt, step_size=50)}

    x, y = _data()
    module = Regressor()
    before = _mse(module.net, x, y)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=16)
    trainer = lightning.Trainer(max_epochs=15, accelerator="cpu", logger=False, enable_checkpointing=False,
                                enable_progress_bar=False, enable_model_summary=False, default_root_dir=tmp_path)
    trainer.fit(module, loader)
    assert trainer.global_step == 15 * 4
    assert _mse(module.net, x, y) < 0.5 * before
    assert np.isfinite(trainer.callback_metrics["train_loss"].item())
