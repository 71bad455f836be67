"""Course 1, week 2: logistic regression with a neural network mindset, on the cat pictures.

    python examples/logistic_regression_cats.py --data DIR

Prints the course's costs (0.693147, 0.584508, ...) and train 99.04 %, test 70.0 %.
"""

import argparse

from tinygrad_edu import nn
from tinygrad_edu.data import load_cats
from tinygrad_edu.train import accuracy, fit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", help="folder with the course's .h5 files")
    parser.add_argument("--iterations", type=int, default=2000)
    parser.add_argument("--lr", type=float, default=0.005)
    args = parser.parse_args()

    cats = load_cats(args.data)  # X_train (12288, 209): one flattened 64x64x3 picture per column
    model = nn.LogisticRegression(cats.X_train.shape[0])  # w and b start at zero, as in the course
    fit(model, cats.X_train, cats.Y_train, iterations=args.iterations, lr=args.lr, print_every=100)
    print(f"train accuracy: {accuracy(model, cats.X_train, cats.Y_train)} %")
    print(f"test accuracy: {accuracy(model, cats.X_test, cats.Y_test)} %")


if __name__ == "__main__":
    main()
