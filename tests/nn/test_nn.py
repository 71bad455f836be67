"""tinygrad_edu.nn: Module bookkeeping, layers, costs, initializers and the course's models."""

from __future__ import annotations

import re

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_edu import Tensor, gradcheck, nn, no_grad, optim
from tinygrad_edu.nn import init

FLOATS = st.floats(-3, 3, allow_nan=False, allow_infinity=False)


def randn(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.RandomState(seed).randn(*shape)


def param(*shape: int, seed: int = 0) -> Tensor:
    return Tensor(randn(*shape, seed=seed), requires_grad=True)


# ------------------------------------------------------------------------------ Module


class TwoLayer(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.first = nn.Linear(3, 4, seed=0)
        self.act = nn.Tanh()
        self.scale = param(1, 1)
        self.constant = Tensor([1.0])  # does not require grad: not a parameter
        self.second = nn.Linear(4, 2, seed=1)

    def forward(self, X):
        return self.second(self.act(self.first(X))) * self.scale


def test_named_parameters_are_dotted_paths_in_the_order_set() -> None:
    model = TwoLayer()
    assert [n for n, _ in model.named_parameters()] == [
        "scale",
        "first.W",
        "first.b",
        "second.W",
        "second.b",
    ]
    assert next(model.parameters()) is model.scale  # the module's own parameters come first
    assert [n for n, _ in model.named_children()] == ["first", "act", "second"]
    assert [type(m).__name__ for m in model.modules()] == ["TwoLayer", "Linear", "Tanh", "Linear"]


def test_deep_net_parameter_names() -> None:
    names = [n for n, _ in nn.DeepNet([5, 4, 3, 1]).named_parameters()]
    assert names == [f"layers.{i}.{p}" for i in (0, 2, 4) for p in "Wb"]
    assert [n for n, _ in nn.LogisticRegression(3).named_parameters()] == ["linear.W", "linear.b"]


def test_reassigning_or_deleting_an_attribute_unregisters_it() -> None:
    model = TwoLayer()
    model.scale = None
    del model.second
    assert [n for n, _ in model.named_parameters()] == ["first.W", "first.b"]
    model.scale = param(1, 1)  # set again: registered again
    assert [n for n, _ in model.named_parameters()] == ["scale", "first.W", "first.b"]


def test_a_shared_layer_is_listed_once() -> None:
    layer = nn.Linear(2, 2)
    model = nn.Sequential(layer, nn.ReLU(), layer)
    assert len(list(model.parameters())) == 2
    assert len(list(model.modules())) == 3  # the Sequential, the Linear (once), the ReLU


def test_forgetting_super_init_says_so() -> None:
    class Broken(nn.Module):
        def __init__(self) -> None:
            self.W = param(2, 2)

    with pytest.raises(AttributeError, match=r"super\(\).__init__\(\)"):
        Broken()


def test_forward_must_be_defined() -> None:
    with pytest.raises(NotImplementedError, match="forward"):
        nn.Module()(1)


def test_train_and_eval_set_the_flag_everywhere() -> None:
    model = TwoLayer()
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())


def test_zero_grad_sets_grads_to_none_or_zero() -> None:
    model = TwoLayer()
    model(randn(3, 5)).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad(set_to_none=False)
    assert all(not p.grad.data.any() for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


# ------------------------------------------------------------------------ state_dict


def test_state_dict_is_an_ordered_copy() -> None:
    model = TwoLayer()
    state = model.state_dict()
    assert list(state) == [n for n, _ in model.named_parameters()]
    state["first.W"][...] = 7  # a copy: the model is untouched
    assert not (model.first.W.data == 7).any()


def test_state_dict_round_trip() -> None:
    source, target = nn.DeepNet([6, 4, 3, 1], seed=1), nn.DeepNet([6, 4, 3, 1], seed=2)
    target_W = target.layers[0].W
    result = target.load_state_dict(source.state_dict())
    assert result == ([], [])
    for (name, a), (_, b) in zip(
        source.state_dict().items(), target.state_dict().items(), strict=True
    ):
        np.testing.assert_array_equal(a, b, err_msg=name)
    assert target.layers[0].W is target_W  # values copied in; the tensors stay the same


def test_load_state_dict_keeps_the_model_dtype() -> None:
    model = nn.DeepNet([3, 2, 1], dtype=np.float32)
    state = nn.DeepNet([3, 2, 1], seed=5).state_dict()  # float64
    model.load_state_dict(state)
    assert all(p.dtype == np.float32 for p in model.parameters())
    np.testing.assert_allclose(model.layers[0].W.data, state["layers.0.W"], rtol=1e-6)


def test_load_state_dict_shape_mismatch_names_the_parameter_and_both_shapes() -> None:
    model = nn.DeepNet([6, 4, 1])
    before = model.state_dict()
    state = nn.DeepNet([6, 5, 1]).state_dict()
    with pytest.raises(ValueError) as info:
        model.load_state_dict(state)
    message = str(info.value)
    assert (
        "layers.0.W: the state has shape (5, 6), the model's parameter has shape (4, 6)" in message
    )
    assert (
        "layers.2.W: the state has shape (1, 5), the model's parameter has shape (1, 4)" in message
    )
    for name, value in model.state_dict().items():  # nothing written
        np.testing.assert_array_equal(value, before[name])


def test_load_state_dict_missing_and_unexpected_keys() -> None:
    model = nn.ShallowNet(2, 3, 1)
    state = model.state_dict()
    del state["layers.2.b"]
    state["layers.9.W"] = np.zeros((1, 1))
    with pytest.raises(
        ValueError, match=r"missing.*'layers\.2\.b'(.|\n)*unexpected.*'layers\.9\.W'"
    ):
        model.load_state_dict(state)
    assert model.load_state_dict(state, strict=False) == (["layers.2.b"], ["layers.9.W"])


# ----------------------------------------------------------------------------- repr


def test_repr_is_nested_like_pytorch() -> None:
    assert repr(nn.DeepNet([12288, 20, 7, 5, 1])) == (
        "DeepNet(\n"
        "  (layers): Sequential(\n"
        "    (0): Linear(12288 -> 20)\n"
        "    (1): ReLU()\n"
        "    (2): Linear(20 -> 7)\n"
        "    (3): ReLU()\n"
        "    (4): Linear(7 -> 5)\n"
        "    (5): ReLU()\n"
        "    (6): Linear(5 -> 1)\n"
        "  )\n"
        ")"
    )
    assert repr(nn.LeakyReLU()) == "LeakyReLU(slope=0.01)"
    assert repr(nn.Linear(3, 2, dtype=np.float32)) == "Linear(3 -> 2, dtype=float32)"
    assert repr(nn.CrossEntropyLoss()) == "CrossEntropyLoss(axis=0)"


# --------------------------------------------------------------------------- Linear


@given(st.integers(1, 5), st.integers(1, 5), st.integers(1, 6), st.integers(0, 2**31 - 1))
def test_linear_computes_W_A_plus_b(n_in: int, n_out: int, m: int, seed: int) -> None:
    layer = nn.Linear(n_in, n_out, seed=seed)
    with no_grad():
        layer.b.data[...] = randn(n_out, 1, seed=seed % 1000)
    A_prev = randn(n_in, m, seed=1)
    Z = layer(A_prev)  # a numpy array is accepted
    assert Z.shape == (n_out, m)
    np.testing.assert_allclose(Z.data, layer.W.data @ A_prev + layer.b.data, rtol=1e-12)
    np.testing.assert_array_equal(layer(Tensor(A_prev)).data, Z.data)


def test_linear_shape_mistake_names_the_layer_and_the_layout() -> None:
    model = nn.DeepNet([12288, 20, 7, 5, 1])
    X_rows = np.zeros((209, 12288))  # one example per row: the numpy habit the course avoids
    expected = (
        "Linear(12288 -> 20): A_prev has shape (209, 12288), expected (12288, m); "
        "X is (n_x, m), one column per example"
    )
    with pytest.raises(ValueError, match=re.escape(expected)):
        model(X_rows)
    with pytest.raises(ValueError, match=re.escape("Linear(3 -> 2): A_prev has shape (3,)")):
        nn.Linear(3, 2)(np.zeros(3))


def test_linear_keeps_float32() -> None:
    layer = nn.Linear(3, 2, dtype=np.float32, seed=0)
    assert layer.W.dtype == layer.b.dtype == layer(randn(3, 4)).dtype == np.float32


@pytest.mark.parametrize("bad", [0, -1, 2.5, True])
def test_linear_sizes_must_be_positive_ints(bad) -> None:
    with pytest.raises(ValueError, match="n_in must be a whole number >= 1"):
        nn.Linear(bad, 2)


def test_linear_gradients() -> None:
    layer = nn.Linear(3, 2, seed=0)
    with no_grad():
        layer.b.data[...] = randn(2, 1, seed=1)
    A_prev = param(3, 4, seed=2)
    assert gradcheck(lambda W, b, A: layer(A), layer.W, layer.b, A_prev)


@pytest.mark.parametrize(
    "module",
    [nn.Sigmoid(), nn.Tanh(), nn.ReLU(), nn.LeakyReLU(), nn.LeakyReLU(slope=0.2)],
    ids=repr,
)
def test_activation_gradients(module: nn.Module) -> None:
    # values at least 0.05 away from 0, where relu and leaky relu have their kink
    Z = randn(3, 4, seed=3)
    Z = Tensor(np.where(np.abs(Z) < 0.05, 0.5, Z), requires_grad=True)
    assert gradcheck(module, Z)


@pytest.mark.parametrize(
    ("module", "reference"),
    [
        (nn.Sigmoid(), lambda z: 1 / (1 + np.exp(-z))),
        (nn.Tanh(), np.tanh),
        (nn.ReLU(), lambda z: np.maximum(z, 0)),
        (nn.LeakyReLU(0.1), lambda z: np.where(z > 0, z, 0.1 * z)),
    ],
    ids=["sigmoid", "tanh", "relu", "leaky_relu"],
)
@given(
    Z=hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=2, max_side=4), elements=FLOATS)
)
def test_activations_compute_their_formula(module: nn.Module, reference, Z: np.ndarray) -> None:
    np.testing.assert_allclose(module(Z).data, reference(Z), rtol=1e-12, atol=1e-15)


def test_sequential_indexing_len_iteration() -> None:
    layers = [nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1)]
    seq = nn.Sequential(*layers)
    assert len(seq) == 3
    assert list(seq) == layers
    assert seq[0] is layers[0] and seq[-1] is layers[2]
    assert list(seq[1:]) == layers[1:]
    with pytest.raises(IndexError, match="index 3 is out of range for 3 modules"):
        seq[3]
    with pytest.raises(TypeError, match="item 0 is int, not a Module"):
        nn.Sequential(3)
    X = param(2, 5)
    assert gradcheck(seq, X)


# ---------------------------------------------------------------------------- costs


def test_binary_cross_entropy_is_the_course_formula() -> None:
    A = np.array([[0.9, 0.2, 0.6]])
    Y = np.array([[1.0, 0.0, 1.0]])
    expected = -(np.log(0.9) + np.log(0.8) + np.log(0.6)) / 3
    assert nn.binary_cross_entropy(Tensor(A), Y).item() == pytest.approx(expected, rel=1e-14)
    assert nn.BCELoss()(A, Tensor(Y)).item() == pytest.approx(expected, rel=1e-14)


def test_binary_cross_entropy_gradients() -> None:
    A = Tensor(np.random.RandomState(0).uniform(0.05, 0.95, (2, 5)), requires_grad=True)
    Y = (randn(2, 5, seed=1) > 0).astype(float)
    assert gradcheck(lambda A: nn.binary_cross_entropy(A, Y), A)


def test_binary_cross_entropy_with_logits_gradients() -> None:
    Z, Y = param(1, 6), Tensor(np.random.RandomState(1).uniform(0, 1, (1, 6)), requires_grad=True)
    assert gradcheck(nn.binary_cross_entropy_with_logits, Z, Y)


@pytest.mark.parametrize("scale", [1.0, 1000.0])
def test_logits_gradient_is_A_minus_Y_over_m(scale: float) -> None:
    Z = Tensor(np.array([[1.0, -1.0, 0.5, -0.3, 2.0]]) * scale, requires_grad=True)
    Y = np.array([[1.0, 1.0, 0.0, 0.0, 1.0]])
    J = nn.BCEWithLogitsLoss()(Z, Y)
    J.backward()
    with np.errstate(over="ignore"):  # e^1000 is inf, and 1 / (1 + inf) = 0 is right
        A = 1 / (1 + np.exp(-Z.data))
    assert np.isfinite(J.item()) and np.isfinite(Z.grad.data).all()
    np.testing.assert_allclose(Z.grad.data, (A - Y) / 5, rtol=1e-12, atol=1e-300)


@given(
    hnp.arrays(np.float64, st.tuples(st.integers(1, 3), st.integers(1, 8)), elements=FLOATS),
    st.data(),
)
def test_fused_cost_equals_the_course_cost(Z: np.ndarray, data: st.DataObject) -> None:
    Y = data.draw(hnp.arrays(np.float64, Z.shape, elements=st.sampled_from([0.0, 1.0])))
    A = Tensor(Z).sigmoid()
    fused = nn.binary_cross_entropy_with_logits(Z, Y).item()
    assert fused == pytest.approx(nn.binary_cross_entropy(A, Y).item(), rel=1e-10, abs=1e-14)


@pytest.mark.parametrize(
    "cost", [nn.binary_cross_entropy, nn.binary_cross_entropy_with_logits], ids=lambda f: f.__name__
)
def test_cost_shape_mismatch_names_both_shapes(cost) -> None:
    with pytest.raises(ValueError, match=r"\(1, 209\).*\(209, 1\).*\(n_y, m\)"):
        cost(Tensor(np.full((1, 209), 0.5)), np.zeros((209, 1)))


def _softmax_cross_entropy(Z: np.ndarray, labels: np.ndarray) -> float:
    """The reference: -(1/m) sum_i log softmax(Z)[y_i, i], in plain numpy."""
    logp = Z - Z.max(axis=0) - np.log(np.exp(Z - Z.max(axis=0)).sum(axis=0))
    return float(-logp[labels, np.arange(Z.shape[1])].mean())


def test_cross_entropy_labels_and_one_hot_agree() -> None:
    Z = randn(4, 6, seed=5)
    labels = np.array([0, 3, 1, 1, 2, 3])
    one_hot = np.eye(4)[:, labels]
    expected = _softmax_cross_entropy(Z, labels)
    for Y in (labels, labels.reshape(1, -1), labels.astype(float), one_hot, Tensor(one_hot)):
        assert nn.cross_entropy(Z, Y).item() == pytest.approx(expected, rel=1e-12)
    # PyTorch's layout, one example per row, with axis=1
    assert nn.CrossEntropyLoss(axis=1)(Z.T, labels).item() == pytest.approx(expected, rel=1e-12)


def test_cross_entropy_is_stable_for_large_logits() -> None:
    Z = Tensor(np.array([[1000.0, -1000.0], [0.0, 1000.0], [-1000.0, 0.0]]), requires_grad=True)
    J = nn.cross_entropy(Z, np.array([0, 1]))
    J.backward()
    assert J.item() == pytest.approx(0.0, abs=1e-12)
    assert np.isfinite(Z.grad.data).all()


@pytest.mark.parametrize("labels", [True, False], ids=["labels", "one-hot"])
def test_cross_entropy_gradients(labels: bool) -> None:
    Z = param(3, 5, seed=6)
    y = np.array([2, 0, 1, 1, 0])
    Y = y if labels else np.eye(3)[:, y]
    assert gradcheck(lambda Z: nn.cross_entropy(Z, Y), Z)


def test_cross_entropy_bad_labels() -> None:
    Z = randn(3, 4)
    with pytest.raises(ValueError, match=r"labels must be whole numbers 0..2 for 3 classes"):
        nn.cross_entropy(Z, np.array([0, 1, 3, 0]))
    with pytest.raises(ValueError, match=r"labels must be whole numbers"):
        nn.cross_entropy(Z, np.array([0, 1, 0.5, 0]))
    with pytest.raises(ValueError, match=r"Z has shape \(3, 4\).*Y has shape \(4, 3\)"):
        nn.cross_entropy(Z, np.zeros((4, 3)))
    with pytest.raises(ValueError, match="axis 2 is out of range"):
        nn.cross_entropy(Z, np.zeros(4), axis=2)


# ----------------------------------------------------------------------- initializers


def course_draws(dims: list[int], seed: int, scale) -> list[np.ndarray]:
    """The course's loop: one RandomState, W[l] for l = 1..L in order."""
    rs = np.random.RandomState(seed)
    out = []
    for layer in range(1, len(dims)):
        n, n_prev = dims[layer], dims[layer - 1]
        W = rs.randn(n, n_prev)
        out.append(W / np.sqrt(n_prev) if scale == "sqrt" else W * scale)
    return out


def weights(model: nn.Module) -> list[np.ndarray]:
    return [layer.W.data for layer in init.layers(model)]


def assert_draws(model: nn.Module, expected: list[np.ndarray]) -> None:
    got = weights(model)
    assert len(got) == len(expected)
    for W, E in zip(got, expected, strict=True):
        np.testing.assert_array_equal(W, E)  # bit for bit: the course's numbers depend on it
    assert all(not layer.b.data.any() for layer in init.layers(model))


def test_models_start_from_the_course_initialization() -> None:
    assert_draws(nn.DeepNet([7, 5, 3, 1]), course_draws([7, 5, 3, 1], 1, "sqrt"))
    assert_draws(nn.DeepNet([7, 5, 1], seed=3), course_draws([7, 5, 1], 3, "sqrt"))
    assert_draws(nn.ShallowNet(2, 4, 1), course_draws([2, 4, 1], 2, 0.01))  # planar
    assert_draws(nn.ShallowNet(6, 3, 1, hidden="relu"), course_draws([6, 3, 1], 1, 0.01))
    assert_draws(nn.LogisticRegression(4), [np.zeros((1, 4))])


@pytest.mark.parametrize(
    ("initializer", "factor"),
    [
        (lambda m, s: init.he_(m, seed=s), lambda n, n_prev: np.sqrt(2.0 / n_prev)),
        (lambda m, s: init.xavier_(m, seed=s), lambda n, n_prev: np.sqrt(1.0 / n_prev)),
        (
            lambda m, s: init.xavier_(m, seed=s, glorot=True),
            lambda n, n_prev: np.sqrt(2.0 / (n_prev + n)),
        ),
        (lambda m, s: init.initialize(m, "he", seed=s), lambda n, n_prev: np.sqrt(2.0 / n_prev)),
        (
            lambda m, s: init.initialize(m, "course", seed=s, scale=0.5),
            lambda n, n_prev: 0.5,
        ),
    ],
    ids=["he", "xavier", "glorot", "initialize-he", "initialize-course"],
)
def test_initializers_draw_layer_by_layer(initializer, factor) -> None:
    dims = [6, 4, 3, 2]
    model = nn.DeepNet(dims)
    with no_grad():
        for p in model.parameters():
            p.data[...] = 1.0  # so that b = 0 afterwards shows the initializer wrote it
    W0 = model.layers[0].W
    assert initializer(model, 7) is model
    rs = np.random.RandomState(7)
    expected = []
    for layer in range(1, len(dims)):
        n, n_prev = dims[layer], dims[layer - 1]
        expected.append(rs.randn(n, n_prev) * factor(n, n_prev))
    assert_draws(model, expected)
    assert model.layers[0].W is W0  # in place


def test_initializers_are_reproducible_and_keep_dtype() -> None:
    a, b = nn.DeepNet([5, 3, 1], dtype=np.float32), nn.DeepNet([5, 3, 1], dtype=np.float32)
    init.he_(a, seed=4)
    init.he_(b, seed=4)
    assert a.layers[0].W.dtype == np.float32
    np.testing.assert_array_equal(a.layers[0].W.data, b.layers[0].W.data)
    init.zeros_(a)
    assert not any(p.data.any() for p in a.parameters())
    assert not init.initialize(b, "zeros").layers[0].W.data.any()


def test_initializer_errors() -> None:
    model = nn.DeepNet([3, 1])
    with pytest.raises(ValueError, match="scale must be a number > 0 or 'sqrt'"):
        init.course_(model, scale=-1)
    with pytest.raises(ValueError, match="unknown method 'kaiming'"):
        init.initialize(model, "kaiming")
    with pytest.raises(TypeError, match="seed must be an int or None"):
        init.he_(model, seed=1.5)
    with pytest.raises(ValueError, match="no layer with a weight W and a bias b"):
        init.he_(nn.ReLU())


# ---------------------------------------------------------------------------- models


@pytest.mark.parametrize(
    "model",
    [nn.LogisticRegression(4), nn.ShallowNet(4, 3, 2), nn.DeepNet([4, 3, 3, 1], hidden="tanh")],
    ids=lambda m: type(m).__name__,
)
def test_model_output_logits_and_predictions(model: nn.Classifier) -> None:
    init.he_(model, seed=0)  # away from the tiny course weights, so the predictions differ
    X = randn(4, 7, seed=9)
    Z = model.logits(X)
    A = model(X)
    np.testing.assert_allclose(A.data, 1 / (1 + np.exp(-Z.data)), rtol=1e-12)
    prediction = model.predict(X)
    assert isinstance(prediction, np.ndarray) and prediction.dtype == np.float64
    if A.shape[0] == 1:
        np.testing.assert_array_equal(prediction, (A.data > 0.5).astype(float))
    else:  # several outputs are classes: the largest logit wins
        np.testing.assert_array_equal(prediction, [np.argmax(Z.data, axis=0)])


def test_model_gradients_through_the_whole_network() -> None:
    model = nn.DeepNet([3, 4, 2, 1])
    with no_grad():  # random biases too: with b = 0 a unit fed only zeros sits on relu's kink
        for i, p in enumerate(model.parameters()):
            p.data[...] = randn(*p.shape, seed=i)
    Y = np.array([[1.0, 0.0, 1.0, 1.0, 0.0]])
    X = randn(3, 5, seed=2)

    def cost(*_):
        return nn.binary_cross_entropy(model(X), Y)

    assert gradcheck(cost, *model.parameters())


def test_unknown_hidden_activation() -> None:
    with pytest.raises(ValueError, match="hidden must be one of"):
        nn.ShallowNet(2, 4, 1, hidden="softplus")
    with pytest.raises(ValueError, match="layer_dims must list n_x and at least one layer"):
        nn.DeepNet([3])


# ------------------------------------------------------ the course's numbers on its data


@pytest.fixture(scope="module")
def cats():
    data = pytest.importorskip("tinygrad_edu.data")
    directory = data.find_data_dir()
    if not all((directory / f).is_file() for f in ("train_catvnoncat.h5", "test_catvnoncat.h5")):
        pytest.skip(f"cat files not found in {directory} (set TINYGRAD_EDU_DATA)")
    return data.load_cats()


def train(model: nn.Module, X, Y, lr: float, iterations: int) -> list[float]:
    """The course's loop: forward, cost, backward, gradient descent."""
    X = Tensor(X)
    optimizer = optim.SGD(model.parameters(), lr=lr)
    costs = []
    for _ in range(iterations):
        optimizer.zero_grad()
        cost = nn.binary_cross_entropy(model(X), Y)
        cost.backward()
        optimizer.step()
        costs.append(cost.item())
    return costs


def test_planar_net_reproduces_the_course() -> None:
    data = pytest.importorskip("tinygrad_edu.data")
    X, Y = data.flower()
    costs = train(nn.ShallowNet(2, 4, 1, hidden="tanh"), X, Y, lr=1.2, iterations=1001)
    assert (f"{costs[0]:.6f}", f"{costs[1000]:.6f}") == ("0.693048", "0.288083")


def test_deep_net_reproduces_the_course(cats) -> None:
    costs = train(nn.DeepNet([12288, 20, 7, 5, 1]), cats.X_train, cats.Y_train, 0.0075, 101)
    assert (f"{costs[0]:.6f}", f"{costs[100]:.6f}") == ("0.771749", "0.672053")


def test_first_costs_of_the_other_cat_models(cats) -> None:
    X, Y = Tensor(cats.X_train), cats.Y_train
    shallow = nn.ShallowNet(12288, 7, 1, hidden="relu")
    assert f"{nn.binary_cross_entropy(shallow(X), Y).item():.6f}" == "0.693050"
    logreg = nn.LogisticRegression(12288)
    assert f"{nn.binary_cross_entropy_with_logits(logreg.logits(X), Y).item():.6f}" == "0.693147"


def test_parameters_follow_changes_to_the_module_tree() -> None:
    """parameters() is cached between changes; adding, replacing or deleting a parameter or a
    child module anywhere in the tree shows up at once."""
    model = nn.DeepNet([3, 2, 1], seed=1)
    before = list(model.parameters())
    assert list(model.parameters()) == before
    model.layers.append(nn.Linear(1, 1))
    assert len(list(model.parameters())) == len(before) + 2
    model.extra = Tensor([1.0], requires_grad=True)
    assert any(p is model.extra for p in model.parameters())
    model.extra = None
    assert "extra" not in dict(model.named_parameters())
    del model.layers
    assert list(model.parameters()) == []


def test_sequential_names_its_linear_layers_parameters_as_the_course() -> None:
    seq = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
    assert [p.name for p in seq.parameters()] == ["W1", "b1", "W2", "b2"]
    assert [p.name for p in seq[2:].parameters()] == ["W2", "b2"]  # a slice keeps the names
    mine = nn.Linear(1, 1)
    mine.W.name = "w_out"
    seq.append(nn.ReLU()).append(mine)
    assert [p.name for p in seq.parameters()][-2:] == ["w_out", "b"]  # given names are kept
    assert [p.name for p in nn.Linear(2, 2).parameters()] == ["W", "b"]  # alone: W and b
    deep = nn.DeepNet([4, 3, 2, 1])
    assert [p.name for p in deep.parameters()] == ["W1", "b1", "W2", "b2", "W3", "b3"]
    shallow = nn.ShallowNet(2, 4, 1)
    assert [p.name for p in shallow.parameters()] == ["W1", "b1", "W2", "b2"]
