"""tinygrad_edu.export against PyTorch: for many models, both directions, the outputs and the
gradients (of the parameters and of X) agree to 1e-12 in float64; the round trips give the very
parameters back; dtypes and train/eval modes carry over; nothing is shared; a model trained here
trains on in torch from the same cost; every refusal names what is at fault."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinygrad_edu import Tensor, nn, no_grad, train
from tinygrad_edu.data import flower
from tinygrad_edu.export import from_torch, to_torch

torch = pytest.importorskip("torch")

TOL = 1e-12  # float64; what is measured is about 1e-16 (printed with pytest -s)


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread() -> Iterator[None]:
    # tiny matrices: on a busy 2-core machine torch's threads cost far more than they save
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _net(*modules: nn.Module) -> nn.Sequential:
    return nn.Sequential(*modules)


def _batchnorm(*, eval_mode: bool = False, **options: Any) -> nn.Module:
    model = _net(nn.Linear(4, 6, seed=11), nn.BatchNorm(6, **options), nn.ReLU(), nn.Linear(6, 1))
    for seed in range(3):  # running statistics away from their start (0 and 1), and a count of 3
        model(np.random.RandomState(seed).randn(4, 9) * 2 + 1)
    return model.eval() if eval_mode else model


def _twice(layer: nn.Module) -> nn.Module:
    return _net(layer, nn.Tanh(), layer, nn.Sigmoid())  # its W and b get both uses' gradients


def _logistic() -> nn.Module:
    return nn.init.course_(nn.LogisticRegression(6), scale=0.5, seed=5)  # not all zeros


# each builds a model in the course's layout, whose input has n_x rows
MODELS: dict[str, tuple[Callable[[], nn.Module], int]] = {
    "one Linear": (lambda: nn.Linear(3, 2, seed=1), 3),
    "Linear + Sigmoid": (lambda: _net(nn.Linear(4, 1, seed=2), nn.Sigmoid()), 4),
    "deep relu": (lambda: nn.DeepNet([5, 8, 8, 8, 6, 1], seed=3), 5),
    "deep tanh, 3 outputs": (lambda: nn.DeepNet([4, 6, 5, 3], hidden="tanh", seed=4), 4),
    "logistic regression": (_logistic, 6),
    "shallow tanh": (lambda: nn.ShallowNet(2, 4, 1, hidden="tanh"), 2),
    "shallow relu": (lambda: nn.ShallowNet(5, 7, 1, hidden="relu"), 5),
    "leaky relu": (lambda: _net(nn.Linear(3, 5, seed=7), nn.LeakyReLU(0.2), nn.Linear(5, 2)), 3),
    "sigmoid hidden": (lambda: nn.DeepNet([3, 4, 1], hidden="sigmoid", seed=6), 3),
    "nested": (lambda: _net(_net(nn.Linear(3, 4, seed=8), nn.Tanh()), _net(nn.Linear(4, 2))), 3),
    "a layer used twice": (lambda: _twice(nn.Linear(3, 3, seed=12)), 3),
    "dropout eval": (
        lambda: _net(nn.Linear(4, 6, seed=9), nn.ReLU(), nn.Dropout(0.3), nn.Linear(6, 1)).eval(),
        4,
    ),
    "batchnorm train": (_batchnorm, 4),
    "batchnorm eval": (lambda: _batchnorm(eval_mode=True), 4),
    "batchnorm cumulative, eps, no affine": (
        lambda: _batchnorm(eps=1e-3, momentum=None, affine=False),
        4,
    ),
    "batchnorm eval, cumulative": (lambda: _batchnorm(eval_mode=True, momentum=None), 4),
    "batchnorm without running stats, eval": (
        lambda: _batchnorm(eval_mode=True, track_running_stats=False),
        4,
    ),
    "dropout p=0 train": (
        lambda: _net(nn.Linear(4, 6, seed=10), nn.ReLU(), nn.Dropout(0.0), nn.Linear(6, 1)),
        4,
    ),
}


def _x(n_x: int, m: int = 7, dtype: Any = np.float64) -> np.ndarray:
    return np.random.RandomState(n_x).randn(n_x, m).astype(dtype)


def _ours(model: nn.Module, X: np.ndarray, G: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """model(X) and, after backward of sum(model(X) * G), dJ/dX (the parameters' grads are set)."""
    x = Tensor(X, requires_grad=True)
    out = model(x)
    (out * Tensor(G)).sum().backward()
    return out.numpy().copy(), x.grad.numpy().copy()


def _theirs(module: Any, X: np.ndarray, G: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The same in torch's layout, transposed back: module(X.T).T and dJ/dX."""
    x = torch.tensor(X.T, requires_grad=True)
    out = module(x)
    (out * torch.from_numpy(G.T)).sum().backward()
    return out.detach().numpy().T, x.grad.numpy().T


def _pairs(model: nn.Module, module: Any) -> list[tuple[Tensor, Any]]:
    ours, theirs = list(model.parameters()), list(module.parameters())
    assert len(ours) == len(theirs)
    return list(zip(ours, theirs, strict=True))


def _biggest_difference(model: nn.Module, module: Any, n_x: int) -> float:
    """The largest |ours - theirs| over the output, dJ/dX and every parameter's gradient."""
    X = _x(n_x)
    out = model(X)
    G = np.random.RandomState(99).randn(*out.shape)
    (o1, dx1), (o2, dx2) = _ours(model, X, G), _theirs(module, X, G)
    assert o1.dtype == o2.dtype == np.float64
    diffs = [np.abs(o1 - o2).max(), np.abs(dx1 - dx2).max()]
    for p, t in _pairs(model, module):
        assert p.grad is not None and t.grad is not None
        diffs.append(np.abs(p.grad.numpy() - t.grad.numpy().reshape(p.shape)).max())
    return float(max(diffs))


@pytest.mark.parametrize("name", MODELS)
def test_to_torch_gives_the_same_outputs_and_gradients(name: str) -> None:
    build, n_x = MODELS[name]
    model = build()
    module = to_torch(model)
    diff = _biggest_difference(model, module, n_x)
    print(f"to_torch {name}: max |difference| {diff:.2e}")
    assert diff <= TOL


@pytest.mark.parametrize("name", MODELS)
def test_from_torch_gives_the_same_outputs_and_gradients(name: str) -> None:
    # a torch module with torch's own random parameters, brought here
    build, n_x = MODELS[name]
    torch.manual_seed(0)
    module = to_torch(build())
    with torch.no_grad():
        for t in module.parameters():
            t.copy_(torch.randn(t.shape, dtype=t.dtype))
        for key, t in module.named_buffers():
            if key.endswith("running_mean"):
                t.copy_(torch.randn(t.shape, dtype=t.dtype))
            elif key.endswith("running_var"):
                t.copy_(torch.rand(t.shape, dtype=t.dtype) + 0.5)
            else:
                t.fill_(7)  # num_batches_tracked
    model = from_torch(module)
    diff = _biggest_difference(model, module, n_x)
    print(f"from_torch {name}: max |difference| {diff:.2e}")
    assert diff <= TOL


@pytest.mark.parametrize("name", MODELS)
def test_the_columns_layout_takes_and_gives_the_course_s_layout(name: str) -> None:
    build, n_x = MODELS[name]
    model = build()
    module = to_torch(model, layout="columns")
    X = _x(n_x)
    out = module(torch.from_numpy(X)).detach().numpy()
    assert out.shape == model(X).shape
    assert np.abs(out - model(X).numpy()).max() <= TOL
    back = from_torch(module)  # the wrapper is unwrapped
    assert [p.shape for p in back.parameters()] == [p.shape for p in model.parameters()]


@pytest.mark.parametrize("name", MODELS)
def test_the_round_trips_give_the_same_parameters(name: str) -> None:
    build, n_x = MODELS[name]
    model = build()
    back = from_torch(to_torch(model))
    ours, again = list(model.parameters()), list(back.parameters())
    assert len(ours) == len(again)
    for p, q in zip(ours, again, strict=True):
        assert p.shape == q.shape and p.dtype == q.dtype
        assert np.array_equal(p.numpy(), q.numpy())  # bit for bit
    buffers, buffers_again = list(model.buffers()), list(back.buffers())
    assert len(buffers) == len(buffers_again)
    for p, q in zip(buffers, buffers_again, strict=True):
        assert p.shape == q.shape and p.dtype == q.dtype and np.array_equal(p.numpy(), q.numpy())
    X = _x(n_x)
    assert np.array_equal(back(X).numpy(), model(X).numpy())
    module = to_torch(model)
    for (k, t), (k2, t2) in zip(
        module.state_dict().items(), to_torch(from_torch(module)).state_dict().items(), strict=True
    ):
        assert k == k2 and t.dtype == t2.dtype and torch.equal(t, t2)


@pytest.mark.parametrize("momentum", [0.1, 0.5, None])
def test_batchnorm_s_running_statistics_move_alike_in_training(momentum: float | None) -> None:
    model = _batchnorm(momentum=momentum)
    module = to_torch(model)
    bn, tbn = model[1], module[1]
    assert (tbn.eps, tbn.momentum, tbn.affine, tbn.track_running_stats) == (
        bn.eps,
        momentum,
        True,
        True,
    )
    for seed in range(4):
        X = np.random.RandomState(10 + seed).randn(4, 5 + seed)
        model(X), module(torch.from_numpy(X.T))
    assert int(tbn.num_batches_tracked) == int(bn.num_batches_tracked.item()) == 7
    assert tbn.num_batches_tracked.dtype == torch.int64
    for ours, theirs in ((bn.running_mean, tbn.running_mean), (bn.running_var, tbn.running_var)):
        assert np.abs(ours.numpy()[:, 0] - theirs.numpy()).max() <= TOL
    back = from_torch(module)[1]
    assert back.num_batches_tracked.dtype == np.int64 and back.num_batches_tracked.item() == 7
    assert (back.eps, back.momentum) == (bn.eps, momentum)


def test_into_copies_the_values_into_the_model_in_place() -> None:
    model = nn.DeepNet([3, 4, 2, 1], seed=1)
    params = list(model.parameters())
    net = to_torch(model)
    with torch.no_grad():
        for t in net.parameters():
            t.mul_(2.0)
    net.eval()
    X = np.random.RandomState(1).randn(3, 5)
    assert from_torch(net, into=model) is model
    assert all(p is q for p, q in zip(model.parameters(), params, strict=True))  # the same tensors
    assert np.abs(model(X).numpy() - net(torch.from_numpy(X.T)).detach().numpy().T).max() <= TOL
    assert not any(m.training for m in model.modules())
    wrapped = to_torch(nn.DeepNet([3, 4, 2, 1], seed=2), layout="columns")
    assert from_torch(wrapped, into=model) is model


def test_into_copies_batchnorm_s_running_statistics_too() -> None:
    model = _batchnorm()
    net = to_torch(model)
    stats = [b for b in model.buffers()]
    net(torch.randn(20, 4, dtype=torch.float64) * 3)  # torch's statistics move, ours do not
    assert from_torch(net, into=model) is model
    assert all(b is s for b, s in zip(model.buffers(), stats, strict=True))
    bn, tbn = model[1], net[1]
    assert bn.num_batches_tracked.item() == int(tbn.num_batches_tracked) == 4
    assert np.array_equal(bn.running_var.numpy()[:, 0], tbn.running_var.numpy())


@pytest.mark.parametrize(
    ("into", "message"),
    [
        (
            nn.DeepNet([3, 5, 1]),
            r"its layer 0 is Linear\(in_features=3, out_features=5, bias=True\)",
        ),
        (nn.DeepNet([3, 4, 1], hidden="tanh"), r"its layer 1 is Tanh\(\), the module's ReLU\(\)"),
        (
            nn.DeepNet([3, 4, 1], dtype=np.float32),
            r"its layer 0 is .* in float32, the module.s .* in float64",
        ),
        (nn.DeepNet([3, 4, 2, 1]), r"its layer 2 is Linear\(in_features=4, out_features=2"),
        (nn.Linear(3, 4), r"its layer 1 is missing, the module's ReLU\(\)"),
    ],
)
def test_into_refuses_a_model_built_otherwise(into: nn.Module, message: str) -> None:
    net = to_torch(nn.DeepNet([3, 4, 1]))
    before = [p.numpy().copy() for p in into.parameters()]
    with pytest.raises(ValueError, match="into .* is not built like the module: " + message):
        from_torch(net, into=into)
    assert all(np.array_equal(p.numpy(), b) for p, b in zip(into.parameters(), before, strict=True))
    with pytest.raises(TypeError, match="into must be a tinygrad_edu Module, got dict"):
        from_torch(net, into={})  # type: ignore[arg-type]


def test_the_course_models_become_their_layers_then_a_sigmoid() -> None:
    module = to_torch(nn.DeepNet([4, 3, 2, 1]))
    kinds = [type(m).__name__ for m in module]
    assert kinds == ["Linear", "ReLU", "Linear", "ReLU", "Linear", "Sigmoid"]
    assert [type(m).__name__ for m in to_torch(nn.LogisticRegression(3))] == ["Linear", "Sigmoid"]
    assert type(from_torch(module)[-1]) is nn.Sigmoid


def test_a_layer_used_twice_stays_one_layer_both_ways() -> None:
    module = to_torch(_twice(nn.Linear(3, 3)))
    assert module[0] is module[2] and len(list(module.parameters())) == 2
    back = from_torch(module)
    assert back[0] is back[2] and len(list(back.parameters())) == 2


def test_the_hyperparameters_carry_over() -> None:
    module = to_torch(_net(nn.Linear(2, 3), nn.LeakyReLU(0.3), nn.Dropout(keep_prob=0.75)))
    assert module[1].negative_slope == 0.3 and module[2].p == 0.25
    back = from_torch(torch.nn.Sequential(torch.nn.LeakyReLU(0.05), torch.nn.Dropout(0.4)))
    assert back[0].slope == 0.05 and back[1].p == 0.4


def test_float32_stays_float32_both_ways() -> None:
    model = nn.DeepNet([3, 5, 1], dtype=np.float32)
    module = to_torch(model)
    assert {t.dtype for t in module.parameters()} == {torch.float32}
    X = _x(3, dtype=np.float32)
    out = module(torch.from_numpy(X.T))
    assert out.dtype == torch.float32
    assert np.allclose(out.detach().numpy().T, model(X).numpy(), rtol=1e-6, atol=1e-7)
    back = from_torch(module)
    assert {p.dtype for p in back.parameters()} == {np.dtype(np.float32)}
    assert back(X).dtype == np.float32
    assert from_torch(torch.nn.Linear(2, 1)).W.dtype == np.float32  # torch's default dtype


def test_a_float32_batchnorm_stays_float32_both_ways() -> None:
    model = _net(nn.Linear(3, 4, dtype=np.float32), nn.BatchNorm(4, dtype=np.float32))
    module = to_torch(model)
    assert {t.dtype for t in module.parameters()} == {torch.float32}
    assert module[1].running_var.dtype == torch.float32
    assert module[1].num_batches_tracked.dtype == torch.int64
    back = from_torch(module)
    assert [b.dtype for b in back.buffers()] == [np.float32, np.float32, np.int64]
    X = _x(3, dtype=np.float32)
    out = module(torch.from_numpy(X.T)).detach().numpy().T
    assert out.dtype == np.float32 and back(X).dtype == np.float32
    assert np.allclose(out, back(X).numpy(), rtol=1e-5, atol=1e-5)


def test_the_training_modes_carry_over_module_by_module() -> None:
    model = _net(nn.Linear(2, 3), nn.Dropout(0.5), nn.ReLU(), nn.Dropout(0.2))
    model[3].eval()  # one layer in eval mode, the rest training
    module = to_torch(model)
    assert [m.training for m in module] == [True, True, True, False] and module.training
    model.eval()
    assert not any(m.training for m in to_torch(model).modules())
    assert not any(m.training for m in to_torch(model, layout="columns").modules())
    back = from_torch(to_torch(model).train())
    assert all(m.training for m in back.modules())
    assert not any(m.training for m in from_torch(to_torch(model)).modules())


def test_dropout_in_training_mode_drops_in_torch() -> None:
    module = to_torch(_net(nn.Dropout(0.5)))
    out = module(torch.ones(1000, 4, dtype=torch.float64))
    assert set(np.unique(out.numpy())) == {0.0, 2.0}  # torch's own masks, scaled by 1 / (1 - p)


def test_the_values_are_copied_not_shared() -> None:
    model = nn.Linear(2, 3, seed=0)
    W = model.W.numpy().copy()
    module = to_torch(model)
    with torch.no_grad():
        module.weight.add_(1.0)
        module.bias.add_(1.0)
    assert np.array_equal(model.W.numpy(), W) and not model.b.numpy().any()
    back = from_torch(module)
    before = module.weight.detach().clone()
    with no_grad():
        back.W.copy_(np.zeros((3, 2)))
    assert torch.equal(module.weight, before)


TRAINED = {  # a model and a learning rate at which full-batch descent goes steadily down
    "deep tanh": (lambda: nn.DeepNet([2, 6, 4, 1], hidden="tanh", seed=2), 0.5),
    "batchnorm": (
        lambda: _net(
            nn.Linear(2, 6, seed=3),
            nn.BatchNorm(6),
            nn.Tanh(),
            nn.Linear(6, 1, seed=4),
            nn.Sigmoid(),
        ),
        0.1,
    ),
}


@pytest.mark.parametrize("name", TRAINED)
def test_a_model_trained_here_trains_on_in_torch_from_the_same_cost(name: str) -> None:
    X, Y = flower()
    build, lr = TRAINED[name]
    model = build()
    train.fit(model, X, Y, iterations=300, lr=lr, print_every=0, progress=False)
    module = to_torch(model)
    # the cost here of the exported parameters: fit's cost at its next iteration
    twin = from_torch(module)
    here = train.fit(twin, X, Y, iterations=50, lr=lr, print_every=0, progress=False)
    opt = torch.optim.SGD(module.parameters(), lr=lr)
    tX, tY = torch.from_numpy(X.T), torch.from_numpy(Y.T)
    costs = []
    for _ in range(50):
        opt.zero_grad()
        cost = torch.nn.functional.binary_cross_entropy(module(tX), tY)
        cost.backward()
        opt.step()
        costs.append(cost.item())
    print(f"first cost: here {here[0]!r}, torch {costs[0]!r}; after 50: {costs[-1]!r}")
    assert costs[0] == pytest.approx(here[0], rel=1e-12)
    assert costs[-1] < costs[0] and all(b <= a for a, b in itertools.pairwise(costs))
    # the two trainings stay together: the same steps in both libraries
    assert np.allclose(here.costs, costs, rtol=1e-10, atol=0)
    for p, t in _pairs(twin, module):
        assert np.allclose(p.numpy(), t.detach().numpy().reshape(p.shape), rtol=1e-9, atol=1e-12)
    for b, t in zip(twin.buffers(), module.buffers(), strict=True):  # BatchNorm's statistics
        assert np.allclose(b.numpy(), t.numpy().reshape(b.shape), rtol=1e-9, atol=1e-12)


@given(
    dims=st.lists(st.integers(1, 6), min_size=2, max_size=5),
    hidden=st.sampled_from(["relu", "tanh", "leaky_relu", "sigmoid"]),
    data=st.data(),
)
def test_any_deep_net_agrees_with_its_export(dims: list[int], hidden: str, data: Any) -> None:
    model = nn.DeepNet(dims, hidden=hidden, seed=0)
    X = data.draw(hnp.arrays(np.float64, (dims[0], 3), elements=st.floats(-5, 5)))
    out = to_torch(model)(torch.from_numpy(X.T)).detach().numpy().T
    assert np.abs(out - model(X).numpy()).max() <= TOL


# ---------------------------------------------------------------------------------- refusals


class Doubler(nn.Module):
    def forward(self, X: Any) -> Any:
        return X * 2.0


class MyLinear(nn.Linear):
    def forward(self, A_prev: Any) -> Any:
        return super().forward(A_prev).tanh()


class MyDeepNet(nn.DeepNet):
    def logits(self, X: Any) -> Any:
        return super().logits(X) * 2.0


class PlainLinear(nn.Linear):
    """A subclass that computes what Linear does converts as a Linear."""


@pytest.mark.parametrize(
    ("model", "named"),
    [
        (Doubler(), "model, a Doubler"),
        (_net(nn.Linear(2, 2), Doubler()), "model.1, a Doubler"),
        (_net(MyLinear(2, 2)), "model.0, a MyLinear"),
        (MyDeepNet([2, 1]), "model, a MyDeepNet"),
    ],
)
def test_to_torch_refuses_a_module_with_its_own_forward(model: nn.Module, named: str) -> None:
    with pytest.raises(
        TypeError, match=f"cannot convert {named}.*supported: Linear, BatchNorm, Sigmoid"
    ):
        to_torch(model)


def test_to_torch_takes_a_subclass_that_computes_the_same() -> None:
    assert type(to_torch(PlainLinear(2, 1))).__name__ == "Linear"


def test_to_torch_refuses_what_is_not_a_model_or_a_layout() -> None:
    with pytest.raises(TypeError, match="to_torch: model must be a tinygrad_edu Module, got list"):
        to_torch([nn.Linear(2, 1)])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="layout must be 'rows' or 'columns', got 'cols'"):
        to_torch(nn.Linear(2, 1), layout="cols")
    with pytest.raises(ValueError, match="float32 or float64, got float16"):
        to_torch(nn.Linear(2, 1, dtype=np.float16))


@pytest.mark.parametrize(
    ("module", "named"),
    [
        (torch.nn.Softmax(dim=1), "module, a Softmax,"),
        (
            torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Conv1d(1, 1, 1)),
            "module.1, a Conv1d,",
        ),
        (torch.nn.Sequential(torch.nn.Sequential(torch.nn.GELU())), "module.0.0, a GELU,"),
        (torch.nn.BatchNorm2d(3), "module, a BatchNorm2d,"),
    ],
)
def test_from_torch_refuses_a_layer_this_project_does_not_have(module: Any, named: str) -> None:
    with pytest.raises(
        TypeError, match=f"{named} is not supported.*supported: Linear, BatchNorm1d, ReLU"
    ):
        from_torch(module)


def test_from_torch_refuses_a_subclass_which_may_compute_something_else() -> None:
    class Scaled(torch.nn.Linear):
        def forward(self, x: Any) -> Any:
            return 2 * super().forward(x)

    with pytest.raises(TypeError, match="module, a Scaled, is not supported"):
        from_torch(Scaled(2, 1))


def test_from_torch_refuses_a_linear_without_bias_or_of_another_dtype() -> None:
    with pytest.raises(ValueError, match=r"module.0, Linear\(.*bias=False\), has no bias"):
        from_torch(torch.nn.Sequential(torch.nn.Linear(2, 1, bias=False)))
    with pytest.raises(
        ValueError, match=r"torch\.float16; its parameters must be float32 or float64"
    ):
        from_torch(torch.nn.Linear(2, 1, dtype=torch.float16))
    no_beta = torch.nn.BatchNorm1d(3)
    no_beta.bias = None  # BatchNorm1d(3, bias=False) in recent releases
    with pytest.raises(ValueError, match=r"module, BatchNorm1d\(.*\), has no bias"):
        from_torch(no_beta)
    mixed = torch.nn.Linear(2, 1)
    mixed.bias = torch.nn.Parameter(mixed.bias.detach().double())
    with pytest.raises(ValueError, match=r"torch\.float32 and torch\.float64; its parameters"):
        from_torch(mixed)
    with pytest.raises(
        TypeError, match=r"from_torch: module must be a torch\.nn\.Module, got Linear"
    ):
        from_torch(nn.Linear(2, 1))
