"""The engine, below Tensor: an op (`function.py`), grad mode (`grad_mode.py`), version counters
(`versions.py`), the one backward sweep (`backprop.py`) and anomaly mode (`anomaly.py`).

Imports go one way: nothing here imports `tensor.py` or `ops/`; tensor.py tells the engine which
class to make results of (`function.use_tensor_class`)."""
