"""Layers, models and costs in the course's notation: X is (n_x, m), one example per column;
W[l] is (n[l], n[l-1]), b[l] is (n[l], 1), Z[l] = W[l] A[l-1] + b[l]. Names follow PyTorch's.

    >>> from tinygrad_edu import nn
    >>> model = nn.DeepNet([12288, 20, 7, 5, 1])
    >>> model.layers[0]
    Linear(12288 -> 20)
"""

from tinygrad_edu.nn import init
from tinygrad_edu.nn.activation import LeakyReLU, ReLU, Sigmoid, Tanh
from tinygrad_edu.nn.batchnorm import BatchNorm
from tinygrad_edu.nn.container import Sequential
from tinygrad_edu.nn.dropout import Dropout
from tinygrad_edu.nn.linear import Linear
from tinygrad_edu.nn.loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
)
from tinygrad_edu.nn.models import Classifier, DeepNet, LogisticRegression, ShallowNet
from tinygrad_edu.nn.module import LoadResult, Module
from tinygrad_edu.nn.regularization import l2_regularization_cost

__all__ = [
    "BCELoss",
    "BCEWithLogitsLoss",
    "BatchNorm",
    "Classifier",
    "CrossEntropyLoss",
    "DeepNet",
    "Dropout",
    "LeakyReLU",
    "Linear",
    "LoadResult",
    "LogisticRegression",
    "Module",
    "ReLU",
    "Sequential",
    "ShallowNet",
    "Sigmoid",
    "Tanh",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "init",
    "l2_regularization_cost",
]
