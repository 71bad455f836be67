"""Every script in examples/ runs as it is (with few iterations here; the course numbers themselves
are checked in test_course_numbers.py)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def run(script: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args],
        capture_output=True,
        text=True,
        env={**os.environ, "MPLBACKEND": "Agg"},
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_every_example_is_tested() -> None:
    tested = {
        "logistic_regression_cats.py",
        "planar_classification.py",
        "two_layer_cats.py",
        "deep_cats.py",
        "initialization.py",
        "regularization.py",
        "optimization.py",
        "gradient_checking.py",
    }
    assert {p.name for p in EXAMPLES.glob("*.py")} == tested


def test_planar_example(tmp_path) -> None:
    out = run(
        "planar_classification.py",
        "--iterations",
        "20",
        "--sweep-iterations",
        "20",
        "--plot",
        str(tmp_path),
    )
    assert "Cost after iteration 0: 0.693048" in out
    for n_h in (1, 2, 3, 4, 5, 20, 50):
        assert f"Accuracy for {n_h} hidden units:" in out
    for name in ("noisy_circles", "noisy_moons", "blobs", "gaussian_quantiles"):
        assert f"{name}: accuracy" in out
        assert (tmp_path / f"{name}.png").stat().st_size > 1000


@pytest.mark.parametrize(
    ("script", "first_cost"),
    [
        ("logistic_regression_cats.py", "0.693147"),
        ("two_layer_cats.py", "0.693050"),
        ("deep_cats.py", "0.771749"),
    ],
)
def test_cat_examples(cats, script, first_cost) -> None:
    out = run(script, "--iterations", "3")
    assert f"Cost after iteration 0: {first_cost}" in out
    assert "train accuracy:" in out and "test accuracy:" in out


def test_initialization_example() -> None:
    out = run("initialization.py", "--iterations", "2")
    for first in ("0.6931471805599453", "inf", "0.8830537463419761"):  # zeros, random, he
        assert f"Cost after iteration 0: {first}\n" in out
    assert out.count("train accuracy:") == out.count("test accuracy:") == 3


def test_regularization_example() -> None:
    from tinygrad_edu.data import find_data_dir

    if not (find_data_dir() / "football.npz").is_file():
        pytest.skip("football.npz not found: set TINYGRAD_EDU_DATA to the folder that holds it")
    out = run("regularization.py", "--iterations", "2")
    for first in ("0.6557412523481002", "0.6974484493131264", "0.6543912405149825"):
        assert f"Cost after iteration 0: {first}\n" in out
    assert out.count("test accuracy:") == 3


def test_optimization_example() -> None:
    out = run("optimization.py", "--epochs", "1")
    assert "Cost after epoch 0: 0.7021655222604548\n" in out  # Adam, the notebook's 0.702166
    assert out.count("learning rate after epoch 0:") == 3
    assert out.count("train accuracy:") == 6


def test_gradient_checking_example() -> None:
    out = run("gradient_checking.py")
    # the course's 1-D number is scalar arithmetic (the same on every machine); the N-D one's last
    # digits depend on the machine's rounding, so only the course's published 0.285093157 is asserted
    assert "The gradient is correct! difference = 2.919335883291695e-10\n" in out
    buggy = re.search(r"There is a mistake in the backward propagation! difference = (\S+)", out)
    assert buggy is not None and f"{float(buggy.group(1)):.9f}" == "0.285093157"
    assert out.count("Your backward propagation works perfectly fine!") == 2
