"""The bridge to PyTorch: `to_torch(model)` gives an equivalent `torch.nn.Module`,
`from_torch(module)` gives the model back, so a model trained here can be trained on in PyTorch
(and the other way).

The one real difference is the layout. Here X is (n_x, m), one example per *column*, and a `Linear`
holds W (n_out, n_in) and b (n_out, 1) for Z = W X + b. PyTorch's `torch.nn.Linear` holds
weight (n_out, n_in) and bias (n_out,) and computes Z = X weight^T + bias on X of shape (m, n_x),
one example per *row*. So the exported module, by default, takes X.T and returns model(X).T:

    to_torch(model)(torch.from_numpy(X.T))  ==  model(X).T          (layout="rows", PyTorch's)
    to_torch(model, layout="columns")(torch.from_numpy(X)) == model(X)   (the course's, wrapped)

What carries over: every parameter's values (copied, never shared: training one leaves the other as
it was), its dtype (float64 stays float64, float32 stays float32), the activations, `Dropout(p)`,
`BatchNorm` as `torch.nn.BatchNorm1d` (with its running statistics) and each module's train/eval
mode. The course's models (`LogisticRegression`, `ShallowNet`, `DeepNet`) become a
`torch.nn.Sequential` of their layers followed by `torch.nn.Sigmoid()`, since their output is
AL = sigmoid(Z[L]). PyTorch is optional: this module imports it only when called
(`pip install "tinygrad_edu[torch]"`).
"""

from __future__ import annotations

from typing import Any

from tinygrad_edu.export._layers import (
    LAYOUTS,
    course_layout,
    from_module,
    import_torch,
    load_into,
    to_module,
)
from tinygrad_edu.nn import Module

__all__ = ["from_torch", "to_torch"]


def to_torch(model: Module, layout: str = "rows") -> Any:
    """An equivalent `torch.nn.Module` for `model`, its parameters copied (the same dtype).

    Each `Linear` becomes a `torch.nn.Linear` with weight = W (the same (n_out, n_in) matrix, as
    PyTorch stores it) and bias = b[:, 0]; a `BatchNorm` becomes a `torch.nn.BatchNorm1d` with the
    same eps, momentum, affine and track_running_stats, weight = gamma[:, 0], bias = beta[:, 0],
    the running mean and variance as vectors and the same `num_batches_tracked` (its statistics
    over the batch, axis 1 here, are BatchNorm1d's over dim 0 of X.T); `Sigmoid`, `Tanh`, `ReLU`,
    `LeakyReLU(slope)` and `Dropout(p)` become their PyTorch twins
    (`LeakyReLU(negative_slope=slope)`), a `Sequential` a `torch.nn.Sequential` of the same
    children, and the course's models a `torch.nn.Sequential` of their layers and a
    `torch.nn.Sigmoid()`. Each module's `training` flag is copied, so a model in `eval()` mode
    exports in eval mode. The math is the same (Z = W A + b here, Z^T = A^T W^T + b^T there; the
    gradients dW = dZ A^T, db = sum(dZ) are the same numbers), so the outputs and the gradients
    agree to rounding (about 1e-15 in float64).

    With `layout="rows"` (the default, what a PyTorch user expects) the module takes X.T, (m, n_x),
    and returns model(X).T, (m, n_y): one example per row, ready for `torch.nn.BCELoss`,
    `DataLoader` and the rest of PyTorch. With `layout="columns"` it is wrapped so that it takes
    the course's X (n_x, m) and returns model(X) itself, (n_y, m). Dropout's masks are PyTorch's
    own random draws there, not the library's.

    Args:
        model: a Module built from Linear, BatchNorm, Sigmoid, Tanh, ReLU, LeakyReLU, Dropout and
            Sequential, or one of the course's models (LogisticRegression, ShallowNet, DeepNet).
        layout: "rows" (PyTorch's, X.T in) or "columns" (the course's, X in).

    Returns:
        The torch.nn.Module; its parameters are new tensors (changing them leaves `model` as it is).

    Raises:
        ImportError: PyTorch is not installed (the message says how to install it).
        TypeError: the model holds a module that cannot be converted (it is named, with the list
            of what can), such as a Module of your own with its own forward.
        ValueError: `layout` is neither "rows" nor "columns", or a parameter's dtype is neither
            float32 nor float64.

    Examples:
        >>> import torch
        >>> from tinygrad_edu.nn import DeepNet
        >>> model = DeepNet([3, 4, 1])
        >>> to_torch(model)
        Sequential(
          (0): Linear(in_features=3, out_features=4, bias=True)
          (1): ReLU()
          (2): Linear(in_features=4, out_features=1, bias=True)
          (3): Sigmoid()
        )
        >>> X = np.random.RandomState(0).randn(3, 5)
        >>> out = to_torch(model)(torch.from_numpy(X.T))  # one example per row
        >>> out.shape, out.dtype
        (torch.Size([5, 1]), torch.float64)
        >>> bool(np.abs(out.detach().numpy().T - model(X).numpy()).max() < 1e-12)
        True
    """
    if layout not in LAYOUTS:
        raise ValueError(f"to_torch: layout must be 'rows' or 'columns', got {layout!r}")
    torch = import_torch("to_torch")
    if not isinstance(model, Module):
        raise TypeError(
            f"to_torch: model must be a tinygrad_edu Module, got {type(model).__name__}"
        )
    module = to_module(torch, model, "model")
    if layout == "columns":
        module = course_layout(torch)(module)
        module.training = model.training  # not .train(): that would reset the children's flags
    return module


def from_torch(module: Any, into: Module | None = None) -> Module:
    """The tinygrad_edu model equivalent to a PyTorch `module`, its parameters copied.

    The reverse of `to_torch`: `torch.nn.Linear` becomes a `Linear` with W = weight (n_out, n_in)
    and b = bias as a column (n_out, 1); `torch.nn.BatchNorm1d` a `BatchNorm` (gamma, beta and the
    running statistics as columns (n, 1), its count, eps, momentum, affine and
    track_running_stats); `ReLU`, `Sigmoid`, `Tanh`, `LeakyReLU(negative_slope)` and `Dropout(p)`
    their twins here; a `torch.nn.Sequential` a `Sequential` of the same children (so
    `from_torch(to_torch(DeepNet(...)))` is a Sequential ending in Sigmoid, with the same parameters
    in the same order); a module made by `to_torch(..., layout="columns")` what it wraps. The
    values are copied into new numpy arrays (torch's tensors, on any device, are left untouched and
    share nothing with the result); the dtype stays (float32 or float64), and each module's
    `training` flag is copied. The result works in the course's layout: it takes X (n_x, m), so
    `from_torch(module)(X)` equals `module(X.T).T`.

    To get the course's model back rather than a Sequential (a `DeepNet` with its `logits` and
    `predict`), pass it as `into`: `from_torch(net, into=model)` checks that `to_torch(model)` has
    the layers of `net` (their kinds, sizes and dtypes) and copies the values into its parameters
    in place (BatchNorm's running statistics too), so they stay the same tensors and an optimizer
    holding them keeps working.

    Args:
        module: a torch.nn.Module built from Linear (with a bias), BatchNorm1d (with a bias when
            affine), ReLU, Sigmoid, Tanh, LeakyReLU, Dropout and Sequential.
        into: None for a new model; or a model of this library built like `module` (the one it
            was exported from, say): its values are overwritten, its mode set to the module's.

    Returns:
        The tinygrad_edu Module: `into` when given, else a new one (a Sequential for a torch
        Sequential).

    Raises:
        ImportError: PyTorch is not installed (the message says how to install it).
        TypeError: `module` holds a layer this project does not have (it is named, with the list of
            what is supported), or `module` is not a torch.nn.Module.
        ValueError: a Linear (or an affine BatchNorm1d) has no bias, a parameter's dtype is
            neither float32 nor float64 (or they differ), or
            `into` is not built like `module` (the first layer that differs is named).

    Examples:
        >>> import torch
        >>> torch.manual_seed(0)  # doctest: +ELLIPSIS
        <torch._C.Generator object at ...>
        >>> net = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Tanh())
        >>> model = from_torch(net)
        >>> model
        Sequential(
          (0): Linear(3 -> 2, dtype=float32)
          (1): Tanh()
        )
        >>> X = np.ones((3, 4), dtype=np.float32)
        >>> np.allclose(model(X).numpy(), net(torch.from_numpy(X.T)).detach().numpy().T)
        True
    """
    torch = import_torch("from_torch")
    if not isinstance(module, torch.nn.Module):
        raise TypeError(
            f"from_torch: module must be a torch.nn.Module, got {type(module).__name__}"
        )
    model = from_module(torch, module, "module")
    return model if into is None else load_into(torch, module, model, into)
