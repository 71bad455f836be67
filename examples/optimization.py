"""Course 2, week 2, "Optimization methods": the [2, 5, 2, 1] relu network on the moons, trained
on mini-batches of 64 by gradient descent, momentum and Adam, then with learning-rate decay.

    python examples/optimization.py [--epochs N]

Prints the notebook's costs every 1000 epochs (Adam: 0.702166, 0.167845, 0.141316, ...) and its
accuracies: 71.7 % (gd), 71.7 % (momentum), 94.3 % (Adam); with the staircase decay (lr 0.1,
0.1, 0.01) 94.3 %, 95.3 %, 94 %.
"""

import argparse

from tinygrad_edu.data import moons
from tinygrad_edu.train import OPTIMIZERS, accuracy, train_optimization


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=5000)
    args = parser.parse_args()

    X, Y = moons()  # the course's make_moons(300, noise=.2) after np.random.seed(3)
    for lr_decay in (None, "staircase"):
        for optimizer in OPTIMIZERS:
            print(f"\n{optimizer}" + (f" with {lr_decay} decay:" if lr_decay else ":"))
            model, _ = train_optimization(
                X, Y, optimizer, lr_decay=lr_decay, epochs=args.epochs, progress=False
            )
            print(f"train accuracy: {accuracy(model, X, Y)} %")


if __name__ == "__main__":
    main()
