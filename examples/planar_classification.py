"""Course 1, week 3: planar data classification with one hidden layer.

    python examples/planar_classification.py

1. The 2-4-1 tanh network on the flower: the course's costs 0.693048 ... 0.217504 up to iteration
   7000; after that, and the accuracy (about 90.5 or 90.75 %), depend on the machine's BLAS and
   CPU, and equal what the course's own numpy code prints on the same machine.
2. The hidden layer size sweep: 1, 2, 3, 4, 5, 20, 50 units, 5000 iterations each.
3. The same network on the four other data sets: noisy circles, noisy moons, blobs, gaussian quantiles.
With --plot DIR the decision boundaries are written there as PNG files.
"""

import argparse
from pathlib import Path

from tinygrad_edu import data, nn
from tinygrad_edu.train import accuracy, fit


def train(X, Y, n_h, iterations, lr, print_every=0):
    model = nn.ShallowNet(X.shape[0], n_h, 1, hidden="tanh", seed=2)  # the course's seed
    fit(model, X, Y, iterations=iterations, lr=lr, print_every=print_every, progress=False)
    return model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--iterations", type=int, default=10000)
    parser.add_argument("--sweep-iterations", type=int, default=5000)
    parser.add_argument("--lr", type=float, default=1.2)
    parser.add_argument("--plot", metavar="DIR", help="write decision boundary figures here")
    args = parser.parse_args()
    plot_dir = Path(args.plot) if args.plot else None
    if plot_dir is not None:
        from tinygrad_edu.viz.plots import plot_decision_boundary

    X, Y = data.flower()  # X (2, 400), Y (1, 400)
    print("The flower, 4 hidden units:")
    model = train(X, Y, 4, args.iterations, args.lr, print_every=1000)
    print(f"accuracy: {accuracy(model, X, Y)} %")
    if plot_dir is not None:
        plot_decision_boundary(model, X, Y, plot_dir / "flower_4_units.png", "4 hidden units")

    print("\nHidden layer size sweep:")
    for n_h in (1, 2, 3, 4, 5, 20, 50):
        model = train(X, Y, n_h, args.sweep_iterations, args.lr)
        print(f"Accuracy for {n_h} hidden units: {accuracy(model, X, Y)} %")
        if plot_dir is not None:
            path = plot_dir / f"flower_{n_h}_units.png"
            plot_decision_boundary(model, X, Y, path, f"{n_h} hidden units")

    print("\nThe other data sets, 4 hidden units:")
    for name in ("noisy_circles", "noisy_moons", "blobs", "gaussian_quantiles"):
        Xd, Yd = getattr(data, name)()
        model = train(Xd, Yd, 4, args.sweep_iterations, args.lr)
        print(f"{name}: accuracy {accuracy(model, Xd, Yd)} %")
        if plot_dir is not None:
            plot_decision_boundary(model, Xd, Yd, plot_dir / f"{name}.png", name)


if __name__ == "__main__":
    main()
