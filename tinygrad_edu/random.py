"""The library's random numbers: one generator that `manual_seed(n)` seeds, as `torch.manual_seed`.

Every random draw of tinygrad_edu that is not given its own seed or generator comes from it: the
initializers called with `seed=None`, `Tensor.randn` without `seed`/`rng`, `nn.Dropout`'s masks,
and the shuffling of `data.mini_batches` and `data.DataLoader`. So

    tinygrad_edu.manual_seed(0)
    ... build, train ...

gives the same numbers on every run. The generator is a `numpy.random.RandomState`, the one the
course draws from after `np.random.seed(n)`: `manual_seed(1)` then a draw of `rand(3, 4)` gives the
course's `np.random.seed(1); np.random.rand(3, 4)`. It is the library's own, not numpy's global
one, so seeding one never changes the other.

`get_rng_state()` and `set_rng_state(state)` save and restore it (a checkpoint keeps it, so a
resumed training draws what the uninterrupted one would have). `draws()` counts the draws made
through `generator()`: the compiled step reads it to refuse a step that draws random numbers
(its program would replay the first draw forever).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["draws", "generator", "get_rng_state", "manual_seed", "set_rng_state"]

_SEED_HIGH = 2**32 - 1  # RandomState takes seeds 0 .. 2**32 - 1

_default = np.random.RandomState()  # fresh entropy until manual_seed is called
_draws = 0


def _check_seed(where: str, seed: Any) -> int:
    # an int or a numpy integer, not a bool (written here, not taken from _checks: Tensor imports
    # this module, and the engine core's line budget counts what Tensor imports)
    integer = isinstance(seed, int | np.integer) and not isinstance(seed, bool | np.bool_)
    if not integer or not 0 <= seed <= _SEED_HIGH:
        raise ValueError(f"{where}: seed must be an int from 0 to {_SEED_HIGH}, got {seed!r}")
    return int(seed)


def manual_seed(seed: int) -> np.random.RandomState:
    """Seed the library's generator, as `torch.manual_seed(seed)`.

    Args:
        seed: an int from 0 to 2**32 - 1.

    Returns:
        The library's generator (a `numpy.random.RandomState`), now seeded.

    Raises:
        ValueError: `seed` is not an int in that range.

    Examples:
        >>> _ = manual_seed(1)
        >>> bool((generator().rand(2) == np.random.RandomState(1).rand(2)).all())
        True
    """
    _default.seed(_check_seed("manual_seed", seed))
    return _default


def generator(seed: int | None = None, generator: np.random.RandomState | None = None) -> Any:
    """The generator a random draw should use: `generator` if given, else a fresh
    `RandomState(seed)` if `seed` is given, else the library's (the one `manual_seed` seeds).

    Args:
        seed: a seed of a fresh RandomState, or None.
        generator: a `numpy.random.RandomState` (or `numpy.random.Generator`) to use as it is.

    Returns:
        The generator to draw from.

    Raises:
        ValueError: both `seed` and `generator` are given, or `seed` is out of range.
        TypeError: `generator` is neither a RandomState nor a Generator.

    Examples:
        >>> _ = manual_seed(0)
        >>> generator() is generator()
        True
        >>> generator(seed=3).randn() == np.random.RandomState(3).randn()
        True
    """
    global _draws
    if seed is not None and generator is not None:
        raise ValueError("pass seed or generator, not both")
    _draws += 1
    if generator is not None:
        if not isinstance(generator, np.random.RandomState | np.random.Generator):
            raise TypeError(
                "generator must be a numpy.random.RandomState or numpy.random.Generator, got "
                f"{type(generator).__name__}"
            )
        return generator
    if seed is not None:
        return np.random.RandomState(_check_seed("generator", seed))
    return _default


def draws() -> int:
    """How many times `generator()` has been asked for a generator to draw from.

    Returns:
        The count since the library was imported.
    """
    return _draws


def get_rng_state() -> dict[str, Any]:
    """The library generator's state, as `torch.get_rng_state()`.

    Returns:
        A dict of plain values and one uint32 array (RandomState's own `get_state(legacy=False)`),
        which `io.save_checkpoint` writes without pickle.
    """
    return _default.get_state(legacy=False)


def set_rng_state(state: dict[str, Any]) -> None:
    """Put back a state from `get_rng_state()`, so the next draws are those that followed it.

    Args:
        state: a dict from `get_rng_state()`.

    Raises:
        ValueError: `state` is not such a dict.

    Examples:
        >>> state = get_rng_state()
        >>> a = generator().rand()
        >>> set_rng_state(state)
        >>> generator().rand() == a
        True
    """
    try:
        _default.set_state(state)
    except (TypeError, ValueError, KeyError) as exc:
        raise ValueError(f"set_rng_state: not a state from get_rng_state() ({exc})") from None
