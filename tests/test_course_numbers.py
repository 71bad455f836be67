"""The course's published output, reproduced by `tinygrad-edu train MODEL` digit for digit.

The first few hundred iterations of each model run by default; the full trainings, with the
accuracies, are marked slow (CI runs them)."""

from __future__ import annotations

import re

import pytest

from tinygrad_edu import cli

COSTS = {
    "logreg": dict(
        zip(
            range(0, 2000, 100),
            [
                "0.693147",
                "0.584508",
                "0.466949",
                "0.376007",
                "0.331463",
                "0.303273",
                "0.279880",
                "0.260042",
                "0.242941",
                "0.228004",
                "0.214820",
                "0.203078",
                "0.192544",
                "0.183033",
                "0.174399",
                "0.166521",
                "0.159305",
                "0.152667",
                "0.146542",
                "0.140872",
            ],
            strict=False,
        )
    ),
    "planar": {
        0: "0.693048",
        1000: "0.288083",
        2000: "0.254385",
        5000: "0.222644",
        9000: "0.218554",
    },
    "shallow": {
        0: "0.693050",
        500: "0.515830",
        1000: "0.339428",
        1500: "0.174483",
        2400: "0.048555",
    },
    "deep": dict(
        zip(
            range(0, 2500, 100),
            [
                "0.771749",
                "0.672053",
                "0.648263",
                "0.611507",
                "0.567047",
                "0.540138",
                "0.527930",
                "0.465477",
                "0.369126",
                "0.391747",
                "0.315187",
                "0.272700",
                "0.237419",
                "0.199601",
                "0.189263",
                "0.161189",
                "0.148214",
                "0.137775",
                "0.129740",
                "0.121225",
                "0.113821",
                "0.107839",
                "0.102855",
                "0.100897",
                "0.092878",
            ],
            strict=False,
        )
    ),
}
ACCURACY = {
    "logreg": ("99.04306220095694", "70.0"),
    "planar": ("90.75", None),
    "shallow": ("100.0", "72.0"),
    "deep": ("98.56459330143541", "80.0"),
}
LINE = re.compile(r"^Cost after iteration (\d+): (\S+)$")


def train(capsys: pytest.CaptureFixture, model: str, *options: str) -> tuple[dict[int, str], str]:
    assert cli.main(["train", model, "--quiet", *options]) == 0
    out = capsys.readouterr().out
    costs = {int(m[1]): m[2] for m in map(LINE.match, out.splitlines()) if m}
    return costs, out


def expected_until(model: str, last: int) -> dict[int, str]:
    return {i: c for i, c in COSTS[model].items() if i <= last}


@pytest.mark.parametrize(
    ("model", "iterations"), [("logreg", 301), ("shallow", 501), ("deep", 301)]
)
def test_first_iterations_print_the_course_costs(cats, capsys, model, iterations) -> None:
    costs, _ = train(capsys, model, "--iterations", str(iterations))
    expected = expected_until(model, iterations - 1)
    assert len(expected) >= 2
    assert {i: costs[i] for i in expected} == expected


def test_planar_prints_the_course_costs_and_accuracy(capsys) -> None:
    # the whole planar training takes about a second: no need to cut it short
    costs, out = train(capsys, "planar")
    assert {i: costs[i] for i in COSTS["planar"]} == COSTS["planar"]
    assert "train accuracy: 90.75 %" in out.splitlines()


@pytest.mark.slow
@pytest.mark.parametrize("model", ["logreg", "shallow", "deep"])
def test_full_training_prints_the_course_numbers(cats, capsys, model) -> None:
    costs, out = train(capsys, model)
    assert {i: costs[i] for i in COSTS[model]} == COSTS[model]
    train_acc, test_acc = ACCURACY[model]
    lines = out.splitlines()
    assert f"train accuracy: {train_acc} %" in lines
    assert f"test accuracy: {test_acc} %" in lines


@pytest.mark.slow
@pytest.mark.parametrize("n_h", [1, 2, 3, 4, 5, 20, 50])
def test_hidden_size_sweep_matches_the_course_code(n_h) -> None:
    """The week 3 sweep (5000 iterations per size) agrees with the course's own numpy code, cost
    for cost and in accuracy."""
    from benchmarks import course_numpy as cn
    from tinygrad_edu import nn
    from tinygrad_edu.data import flower
    from tinygrad_edu.train import accuracy, fit

    X, Y = flower()
    params, reference = cn.shallow_train(X, Y, n_h, 5000, 1.2, hidden="tanh", seed=2)
    model = nn.ShallowNet(2, n_h, 1, hidden="tanh", seed=2)
    history = fit(model, X, Y, iterations=5000, lr=1.2, print_every=0, progress=False)
    assert [f"{c:.6f}" for c in history.costs[::500]] == [f"{c:.6f}" for c in reference[::500]]
    assert accuracy(model, X, Y) == cn.accuracy(cn.shallow_predict(params, X), Y)
