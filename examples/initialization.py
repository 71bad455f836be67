"""Course 2, week 1, "Initialization": the [2, 10, 5, 1] relu network on the circles, three times.

    python examples/initialization.py [--iterations N]

Zeros never break the symmetry (the cost stays at log 2 = 0.6931471805599453, 50 % / 50 %); large
random weights (randn * 10) start at a cost of inf and end at 83 % / 86 %; He (randn * sqrt(2 /
n[l-1])) prints the course's 0.8830537463419761 ... 0.07357895962677366 and gets 99.33 % / 96 %.
"""

import argparse

from tinygrad_edu.data import circles
from tinygrad_edu.train import INITIALIZATIONS, accuracy, train_initialization


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--iterations", type=int, default=15000)
    args = parser.parse_args()

    X_train, Y_train, X_test, Y_test = circles()  # the course's make_circles, seeds 1 and 2
    for init in INITIALIZATIONS:
        print(f"\n{init} initialization:")
        model, _ = train_initialization(
            X_train, Y_train, init, iterations=args.iterations, progress=False
        )
        print(f"train accuracy: {accuracy(model, X_train, Y_train)} %")
        print(f"test accuracy: {accuracy(model, X_test, Y_test)} %")


if __name__ == "__main__":
    main()
