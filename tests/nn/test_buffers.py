"""Module buffers (register_buffer, named_buffers): in state_dict, io and checkpoints, not in
parameters(); a model with BatchNorm trains with train.fit and an optimizer."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu
from tinygrad_edu import JitWarning, Tensor, data, io, nn, optim, train

X = np.random.RandomState(0).randn(2, 40)
Y = (X[:1] * X[1:2] > 0).astype(float)


def _model(seed: int = 0) -> nn.Sequential:
    return nn.Sequential(
        nn.Linear(2, 5, seed=seed),
        nn.BatchNorm(5),
        nn.ReLU(),
        nn.Linear(5, 3, seed=seed + 1),
        nn.BatchNorm(3, momentum=None),
        nn.Tanh(),
        nn.Linear(3, 1, seed=seed + 2),
    )


class Counter(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.W = Tensor([[1.0]], requires_grad=True)
        self.register_buffer("count", Tensor([0.0]))
        self.register_buffer("scratch", Tensor([1.0]), persistent=False)

    def forward(self, A: Tensor) -> Tensor:
        return self.W @ A


def test_state_dict_order_is_torch_s_parameters_then_buffers_per_module() -> None:
    names = list(_model().state_dict())
    assert names[:7] == [
        "0.W", "0.b", "1.gamma", "1.beta", "1.running_mean", "1.running_var",
        "1.num_batches_tracked",
    ]  # fmt: skip
    assert names[-2:] == ["6.W", "6.b"] and len(names) == 16
    torch = pytest.importorskip("torch")
    theirs = torch.nn.Sequential(torch.nn.Linear(2, 5), torch.nn.BatchNorm1d(5))
    kinds = [n.split(".")[1] for n in theirs.state_dict()]
    assert kinds == ["weight", "bias", "weight", "bias", "running_mean", "running_var",
                     "num_batches_tracked"]  # fmt: skip


def test_parameters_exclude_buffers() -> None:
    model = _model()
    params = {id(p) for p in model.parameters()}
    buffers = list(model.buffers())
    assert len(buffers) == 6 and not any(id(b) in params for b in buffers)
    assert [n for n, _ in model.named_buffers()][:3] == [
        "1.running_mean", "1.running_var", "1.num_batches_tracked",
    ]  # fmt: skip
    assert len(list(model.parameters())) == 10
    own = [name for name, _ in model[1].named_buffers(prefix="bn", recurse=False)]
    assert own == ["bn.running_mean", "bn.running_var", "bn.num_batches_tracked"]


def test_register_buffer_reassignment_none_and_persistence() -> None:
    layer = Counter()
    assert list(layer.state_dict()) == ["W", "count"]  # scratch is not persistent
    assert [n for n, _ in layer.named_buffers()] == ["count", "scratch"]
    layer.count = Tensor([5.0])  # a new Tensor: still a buffer
    assert [n for n, _ in layer.named_buffers()] == ["count", "scratch"]
    assert [n for n, _ in layer.named_parameters()] == ["W"]
    layer.count = None  # removed from buffers and state_dict
    assert [n for n, _ in layer.named_buffers()] == ["scratch"]
    assert list(layer.state_dict()) == ["W"]
    layer.count = Tensor([2.0])  # the name is still a buffer's, as in PyTorch
    assert list(layer.state_dict()) == ["W", "count"]
    del layer.count
    assert list(layer.state_dict()) == ["W"]
    layer.register_buffer("count", Tensor([1.0]))
    layer.count = Tensor([3.0], requires_grad=True)  # a parameter now, as PyTorch's Parameter
    assert [n for n, _ in layer.named_parameters()] == ["W", "count"]
    assert [n for n, _ in layer.named_buffers()] == ["scratch"]


def test_register_buffer_errors() -> None:
    layer = Counter()
    with pytest.raises(KeyError, match="already an attribute"):
        layer.register_buffer("W", Tensor([1.0]))
    with pytest.raises(KeyError, match=r"'a\.b' cannot be a buffer name"):
        layer.register_buffer("a.b", Tensor([1.0]))
    with pytest.raises(TypeError, match="must be a Tensor or None, got ndarray"):
        layer.register_buffer("x", np.zeros(2))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="requires grad; a buffer is not learned"):
        layer.register_buffer("x", Tensor([1.0], requires_grad=True))
    with pytest.raises(TypeError, match="cannot set the buffer 'count' to a float"):
        layer.count = 3.0


def test_load_state_dict_restores_buffers_in_place_all_or_nothing() -> None:
    trained, fresh = _model(0), _model(3)
    trained(X)
    trained(X[:, :10])
    state = trained.state_dict()
    mean = fresh[1].running_mean
    bad = {**state, "1.running_var": np.ones((4, 1))}
    with pytest.raises(ValueError, match=r"1\.running_var: the state has shape \(4, 1\), the "):
        fresh.load_state_dict(bad)
    assert np.array_equal(fresh[1].running_mean.numpy(), np.zeros((5, 1)))  # nothing written
    missing = {k: v for k, v in state.items() if k != "4.num_batches_tracked"}
    with pytest.raises(ValueError, match=r"missing parameters or buffers .*4\.num_batches_track"):
        fresh.load_state_dict(missing)
    assert fresh.load_state_dict(missing, strict=False).missing_keys == ["4.num_batches_tracked"]
    fresh.load_state_dict(state)
    assert fresh[1].running_mean is mean  # in place
    for (name, a), b in zip(state.items(), fresh.state_dict().values(), strict=True):
        assert np.array_equal(a, b) and a.dtype == b.dtype, name
    assert fresh[4].num_batches_tracked.dtype == np.int64


def test_io_save_load_round_trips_buffers(tmp_path: Path) -> None:
    trained, fresh = _model(0), _model(3)
    for _ in range(3):
        trained(X)
    io.save(trained, tmp_path / "bn.npz")
    loaded = io.load(tmp_path / "bn.npz")
    assert list(loaded) == list(trained.state_dict())
    assert loaded["1.num_batches_tracked"].dtype == np.int64
    assert loaded["1.num_batches_tracked"].shape == ()
    fresh.load_state_dict(loaded)
    trained.eval()
    fresh.eval()
    assert np.array_equal(trained(X).numpy(), fresh(X).numpy())


def _epochs(model: nn.Sequential, optimizer: optim.Adam, n: int) -> None:
    for _ in range(n):
        for X_batch, Y_batch in data.mini_batches(X, Y, size=16, seed=None):  # library generator
            optimizer.zero_grad()
            nn.binary_cross_entropy_with_logits(model(X_batch), Tensor(Y_batch)).backward()
            optimizer.step()


def test_a_checkpoint_with_batchnorm_resumes_bit_for_bit(tmp_path: Path) -> None:
    tinygrad_edu.manual_seed(5)
    model = _model()
    optimizer = optim.Adam(model.parameters(), lr=0.01)
    _epochs(model, optimizer, 4)
    expected = model.state_dict()

    tinygrad_edu.manual_seed(5)
    model = _model()
    optimizer = optim.Adam(model.parameters(), lr=0.01)
    _epochs(model, optimizer, 2)
    io.save_checkpoint(tmp_path / "run.npz", model, optimizer, epoch=2)

    tinygrad_edu.manual_seed(99)
    model = _model(7)  # other weights, fresh running statistics
    optimizer = optim.Adam(model.parameters(), lr=0.01)
    assert io.load_checkpoint(tmp_path / "run.npz", model, optimizer) == {"epoch": 2}
    _epochs(model, optimizer, 2)
    for (name, a), b in zip(expected.items(), model.state_dict().values(), strict=True):
        assert np.array_equal(a, b), name
    assert int(model[1].num_batches_tracked.item()) == 4 * 3  # 3 mini-batches an epoch


@pytest.mark.parametrize("jit", [False, True])
def test_a_model_with_batchnorm_trains_with_fit_and_an_optimizer(jit: bool) -> None:
    model = _model()
    optimizer = optim.Adam(model.parameters(), lr=0.05)
    with warnings.catch_warnings():
        warnings.simplefilter("error", JitWarning)
        history = train.fit(model, X, Y, 60, optimizer=optimizer, print_every=0, jit=jit)
    assert history.costs[-1] < 0.6 * history.costs[0]
    assert int(model[1].num_batches_tracked.item()) == 60
    assert not np.array_equal(model[1].running_mean.numpy(), np.zeros((5, 1)))
    assert all(p.grad is not None for p in model.parameters())


@pytest.mark.parametrize("jit", [False, True])
def test_a_diverged_fit_puts_the_running_statistics_back_with_the_parameters(jit: bool) -> None:
    scale = Tensor(1.0)  # read by the cost at every iteration, compiled or not

    def cost(model: nn.Module, X: Tensor, Y: Tensor) -> Tensor:
        return nn.binary_cross_entropy_with_logits(model(X), Y) * scale

    def log(line: str) -> None:
        if line.startswith("Cost after iteration 3:"):
            scale.data[...] = np.nan  # iteration 4's cost is nan, after its forward pass

    model = _model()
    with warnings.catch_warnings():
        warnings.simplefilter("error", JitWarning)  # the step compiles, BatchNorm and all
        history = train.fit(model, X, Y, 10, lr=0.1, loss=cost, print_every=1, log=log, jit=jit)
    assert history.stopped == "diverged" and len(history.costs) == 4
    # iteration 4's forward pass moved the running statistics: they are put back to what
    # iterations 0 to 3 left, those of a run that stops there
    scale.data[...] = 1.0
    reference = _model()
    train.fit(reference, X, Y, 4, lr=0.1, loss=cost, print_every=0)
    assert int(model[1].num_batches_tracked.item()) == 4
    for (name, a), (_, b) in zip(model.named_buffers(), reference.named_buffers(), strict=True):
        assert np.array_equal(a.numpy(), b.numpy()), name
