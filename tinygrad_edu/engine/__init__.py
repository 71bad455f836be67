"""The engine, below Tensor: an op (`function.py`), grad mode (`grad_mode.py`), version counters
(`versions.py`), the one backward sweep (`backprop.py`) with its two ways of holding gradients
(`grads.py`), and anomaly and checking modes (`anomaly.py`, `checking.py`) as hooks. Nothing here
imports tensor.py or ops/: tensor.py hands its class over (`function.use_tensor_class`)."""
