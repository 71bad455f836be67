"""The course's 2-D toy data (week 3): the flower, and the four "other datasets" it tries after it.

Each function returns `X` of shape `(2, m)` and `Y` of shape `(1, m)`, float64 with labels 0 and 1:
the course's layout, one example per column.

`flower` is the course's `planar_utils.load_planar_dataset`, number for number. The other four are
what the course took from scikit-learn (`make_circles`, `make_moons`, `make_blobs`,
`make_gaussian_quantiles`), rewritten in numpy with the same geometry and, for the same integer
seed, the same random draws in the same order: `noisy_moons(seed=3)` is `make_moons(200,
noise=0.2, random_state=3)` in the course's layout.
"""

from __future__ import annotations

import numpy as np

from tinygrad_edu._checks import check_int, check_real, is_int


def flower(m: int = 400, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Two classes of points that draw an 8-petal flower, red and blue petals alternating.

    Reproduces the course's `load_planar_dataset()` exactly (it seeds numpy with 1): the points sit
    at angle `t` and radius `r = 4 sin(4t)`, both with Gaussian noise of 0.2; half are class 0.

    Args:
        m: the number of points, even (400 in the course).
        seed: the RandomState seed (1: the course's points).

    Returns:
        `(X, Y)`: X of shape (2, m), the points, and Y of shape (1, m), the labels 0.0 and 1.0.

    Raises:
        ValueError: `m` is not an even int >= 2, or `seed` is not None or an int in [0, 2**32).

    Examples:
        >>> X, Y = flower()
        >>> X.shape, Y.shape, int(Y.sum())
        ((2, 400), (1, 400), 200)
    """
    _check_count("flower", "m", m, minimum=2)
    if m % 2:
        raise ValueError(f"flower(m={m}): m must be even, half the points are of each class")
    rng = _rng("flower", seed)
    n = m // 2  # points per class
    a = 4  # the longest petal
    X = np.zeros((m, 2))
    Y = np.zeros((m, 1))
    for j in range(2):
        ix = slice(n * j, n * (j + 1))
        # Draw in the course's order (the angles' noise, then the radii's), or the numbers change.
        t = np.linspace(j * 3.12, (j + 1) * 3.12, n) + rng.randn(n) * 0.2
        r = a * np.sin(4 * t) + rng.randn(n) * 0.2
        X[ix] = np.c_[r * np.sin(t), r * np.cos(t)]
        Y[ix] = j
    return np.ascontiguousarray(X.T), np.ascontiguousarray(Y.T)


def noisy_circles(
    m: int = 200, factor: float = 0.5, noise: float = 0.3, seed: int | None = 0
) -> tuple[np.ndarray, np.ndarray]:
    """A circle of radius 1 (class 0) around one of radius `factor` (class 1), with Gaussian noise.

    Like `sklearn.datasets.make_circles(m, factor=factor, noise=noise, random_state=seed)`.

    Args:
        m: the number of points (the outer circle gets m // 2).
        factor: the inner circle's radius, in [0, 1).
        noise: the standard deviation of the Gaussian noise, >= 0.
        seed: the RandomState seed (None: fresh random numbers).

    Returns:
        `(X, Y)`: X of shape (2, m), the points, and Y of shape (1, m), the labels 0.0 and 1.0.

    Raises:
        ValueError: `m` is not an int >= 1, `factor` is not in [0, 1) or `noise` < 0, or `seed` is not None or an int in [0, 2**32).

    Examples:
        >>> X, Y = noisy_circles(m=10, noise=0.0)
        >>> np.allclose(np.hypot(*X[:, Y[0] == 1]), 0.5)
        True
    """
    _check_count("noisy_circles", "m", m, minimum=1)
    _check_real("noisy_circles", "noise", noise, minimum=0.0)
    _check_real("noisy_circles", "factor", factor, minimum=0.0)
    if factor >= 1:
        raise ValueError(f"noisy_circles(factor={factor}): factor must be < 1 (the inner circle)")
    rng = _rng("noisy_circles", seed)
    n_out, n_in = m // 2, m - m // 2
    # endpoint=False, or the first point of a circle would also be its last
    t_out = np.linspace(0, 2 * np.pi, n_out, endpoint=False)
    t_in = np.linspace(0, 2 * np.pi, n_in, endpoint=False)
    x = np.append(np.cos(t_out), np.cos(t_in) * factor)
    y = np.append(np.sin(t_out), np.sin(t_in) * factor)
    return _shuffle_and_noise(np.c_[x, y], _two_groups(n_out, n_in), noise, rng)


def noisy_moons(
    m: int = 200, noise: float = 0.2, seed: int | None = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (class 0 on top, class 1 below), with Gaussian noise.

    Like `sklearn.datasets.make_moons(m, noise=noise, random_state=seed)`.

    Args:
        m: the number of points (the upper moon gets m // 2).
        noise: the standard deviation of the Gaussian noise, >= 0.
        seed: the RandomState seed (None: fresh random numbers).

    Returns:
        `(X, Y)`: X of shape (2, m), the points, and Y of shape (1, m), the labels 0.0 and 1.0.

    Raises:
        ValueError: `m` is not an int >= 1 or `noise` < 0, or `seed` is not None or an int in [0, 2**32).

    Examples:
        >>> X, Y = noisy_moons(m=7)
        >>> X.shape, Y.tolist()[0].count(0.0)
        ((2, 7), 3)
    """
    _check_count("noisy_moons", "m", m, minimum=1)
    _check_real("noisy_moons", "noise", noise, minimum=0.0)
    rng = _rng("noisy_moons", seed)
    n_out, n_in = m // 2, m - m // 2
    t_out = np.linspace(0, np.pi, n_out)
    t_in = np.linspace(0, np.pi, n_in)
    x = np.append(np.cos(t_out), 1 - np.cos(t_in))
    y = np.append(np.sin(t_out), 1 - np.sin(t_in) - 0.5)
    return _shuffle_and_noise(np.c_[x, y], _two_groups(n_out, n_in), noise, rng)


def blobs(m: int = 200, centers: int = 6, seed: int | None = 5) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian blobs (standard deviation 1) around `centers` random centers in [-10, 10]^2.

    Like `sklearn.datasets.make_blobs(m, centers=centers, random_state=seed)`, whose blob numbers
    the course folds into two classes with `y % 2`; so do we.

    Args:
        m: the number of points.
        centers: the number of blobs (even blobs are class 0, odd ones class 1).
        seed: the RandomState seed (None: fresh random numbers).

    Returns:
        `(X, Y)`: X of shape (2, m), the points, and Y of shape (1, m), the labels 0.0 and 1.0.

    Raises:
        ValueError: `m` or `centers` is not an int >= 1, or `seed` is not None or an int in [0, 2**32).

    Examples:
        >>> X, Y = blobs(m=12, centers=3)  # blobs 0 and 2 are class 0
        >>> X.shape, int(Y.sum())
        ((2, 12), 4)
    """
    _check_count("blobs", "m", m, minimum=1)
    _check_count("blobs", "centers", centers, minimum=1)
    rng = _rng("blobs", seed)
    where = rng.uniform(-10.0, 10.0, size=(centers, 2))
    # m // centers points a blob, the first m % centers blobs get one more
    sizes = [m // centers + (i < m % centers) for i in range(centers)]
    X = np.concatenate(
        [rng.normal(loc=c, scale=1.0, size=(n, 2)) for c, n in zip(where, sizes, strict=True)]
    )
    labels = np.repeat(np.arange(centers), sizes)
    order = _permutation(m, rng)
    return _course_layout(X[order], labels[order] % 2)


def gaussian_quantiles(
    m: int = 200, cov: float = 0.5, seed: int | None = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Points of a centered Gaussian (variance `cov`): the half nearest the center is class 0.

    Like `sklearn.datasets.make_gaussian_quantiles(cov=cov, n_samples=m, n_classes=2,
    random_state=seed)`: a circle splits the classes; for an odd `m` class 1 has the extra point.

    Args:
        m: the number of points, >= 2.
        cov: the variance of each coordinate, > 0.
        seed: the RandomState seed (None: fresh random numbers).

    Returns:
        `(X, Y)`: X of shape (2, m), the points, and Y of shape (1, m), the labels 0.0 and 1.0.

    Raises:
        ValueError: `m` is not an int >= 2 or `cov` is not > 0, or `seed` is not None or an int in [0, 2**32).

    Examples:
        >>> X, Y = gaussian_quantiles(m=5)
        >>> X.shape, int(Y.sum())
        ((2, 5), 3)
    """
    _check_count("gaussian_quantiles", "m", m, minimum=2)
    _check_real("gaussian_quantiles", "cov", cov, minimum=0.0)
    if cov == 0:
        raise ValueError("gaussian_quantiles(cov=0): cov must be > 0, it is the spread")
    rng = _rng("gaussian_quantiles", seed)
    # numpy's multivariate_normal(0, cov * I) draws exactly this: standard normals times sqrt(cov)
    X = rng.standard_normal((m, 2)) * np.sqrt(cov)
    X = X[np.argsort(np.sum(X**2, axis=1))]  # nearest to the center first
    labels = _two_groups(m // 2, m - m // 2)
    order = _permutation(m, rng)
    return _course_layout(X[order], labels[order])


def _two_groups(n0: int, n1: int) -> np.ndarray:
    return np.repeat([0, 1], [n0, n1])


def _shuffle_and_noise(
    X: np.ndarray, labels: np.ndarray, noise: float, rng: np.random.RandomState
) -> tuple[np.ndarray, np.ndarray]:
    # Shuffle first, then add the noise: scikit-learn's order, hence its numbers.
    order = _permutation(len(labels), rng)
    X, labels = X[order], labels[order]
    X = X + rng.normal(scale=noise, size=X.shape)
    return _course_layout(X, labels)


def _permutation(m: int, rng: np.random.RandomState) -> np.ndarray:
    # What sklearn.utils.shuffle draws (shuffle an arange in place); `rng.permutation` would too.
    order = np.arange(m)
    rng.shuffle(order)
    return order


def _course_layout(X: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`(m, 2)` points and `(m,)` labels to the course's `(2, m)` and `(1, m)` float64."""
    return np.ascontiguousarray(X.T, dtype=np.float64), labels.reshape(1, -1).astype(np.float64)


def _rng(function: str, seed: int | None) -> np.random.RandomState:
    # RandomState, not Generator: its stream is the one `np.random.seed` gave the course.
    if seed is not None and not (is_int(seed) and 0 <= seed < 2**32):
        raise ValueError(f"{function}(seed={seed!r}): seed must be None or an int in [0, 2**32)")
    return np.random.RandomState(seed)


# The messages quote the call as written, `flower(m=0): m must be an int >= 2, got 0`.
def _check_count(function: str, name: str, value: object, minimum: int) -> None:
    check_int(f"{function}({name}={value!r})", name, value, minimum)


def _check_real(function: str, name: str, value: object, minimum: float) -> None:
    check_real(f"{function}({name}={value!r})", name, value, lowest=minimum)
