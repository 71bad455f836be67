"""Course 2, week 1, "Regularization": the [2, 20, 3, 1] relu network on the football kicks,
without regularization, with L2 (lambda 0.7) and with dropout (keep_prob 0.86).

    python examples/regularization.py [--data DIR] [--iterations N]

Needs football.npz (the course's datasets/data.mat converted, see data.load_football) in DIR,
$TINYGRAD_EDU_DATA or ./datasets. Prints the course's costs (0.6557412523481002, 0.6974484493131264,
0.6543912405149825 at iteration 0) and accuracies: 94.8 / 91.5 %, 93.8 / 93 %, 92.9 / 95 %.
"""

import argparse

from tinygrad_edu.data import load_football
from tinygrad_edu.train import accuracy, train_regularization


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", help="folder with football.npz (or data.mat, with SciPy)")
    parser.add_argument("--iterations", type=int, default=30000)
    args = parser.parse_args()

    X_train, Y_train, X_test, Y_test = load_football(args.data)
    for title, options in (
        ("no regularization", {}),
        ("L2 regularization, lambd = 0.7", {"lambd": 0.7}),
        ("dropout, keep_prob = 0.86", {"keep_prob": 0.86}),
    ):
        print(f"\n{title}:")
        model, _ = train_regularization(
            X_train, Y_train, iterations=args.iterations, progress=False, **options
        )
        # the model comes back in eval() mode: no dropout when predicting
        print(f"train accuracy: {accuracy(model, X_train, Y_train)} %")
        print(f"test accuracy: {accuracy(model, X_test, Y_test)} %")


if __name__ == "__main__":
    main()
