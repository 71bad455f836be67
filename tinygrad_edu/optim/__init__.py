"""Optimizers in the course's forms (gradient descent, momentum, RMSprop, Adam), with PyTorch's
options too: `SGD(momentum=, dampening=, weight_decay=, nesterov=)` as `torch.optim.SGD`,
`Adam(betas=, eps=, weight_decay=)` as `torch.optim.Adam`, and `weight_decay` on every optimizer
with PyTorch's meaning (dW + weight_decay W, the gradient of an added L2 cost (wd/2) ||W||^2).

Each `step()` reads every parameter's gradient dW = W.grad and updates W.data in place (the tensor
stays the same object), skipping parameters whose `.grad` is None (not used by the last backward).
The usual loop:

    optimizer = optim.SGD(model.parameters(), lr=0.0075)
    for i in range(iterations):
        optimizer.zero_grad()
        cost = nn.binary_cross_entropy(model(X), Y)
        cost.backward()
        optimizer.step()

State (v, s, PyTorch's momentum_buffer) is kept per parameter as numpy arrays of its shape and
dtype; v and s start at 0.

`optim.lr_scheduler` decays the learning rate once an epoch: the course's `update_lr` and
`schedule_lr_decay`, and PyTorch's `StepLR`, `ExponentialLR` and `LambdaLR`.
"""

from tinygrad_edu.optim import lr_scheduler
from tinygrad_edu.optim.adam import Adam, RMSprop
from tinygrad_edu.optim.optimizer import Optimizer
from tinygrad_edu.optim.sgd import SGD, Momentum

__all__ = ["SGD", "Adam", "Momentum", "Optimizer", "RMSprop", "lr_scheduler"]
