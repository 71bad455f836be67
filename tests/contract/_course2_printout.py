"""What course 2's notebooks print, as learners published their runs on GitHub.

Each entry: the printed costs by iteration (or epoch), as printed, and the accuracies as the
notebooks' `predict` prints them (`Accuracy: 0.9933333333333333`, a fraction). Where several
copies were found they agree to the digits compared (the full-precision costs to ~1e-13 relative,
their last digits depending on the machine), except the large random initialization's costs,
which differ between copies from the 3rd decimal on (its weights are large): only its `inf` at
iteration 0 and its accuracies are kept.

Sources (repository, path):
- "Initialization": AliHumadi2000/Initialization-DeepLearning-course-2-assignment-1-weights-init,
  Initialization.ipynb (the same He and zeros lines in several other copies).
- "Regularization": AliHumadi2000/Deep-learning-course2-regularization, Regularization.ipynb.
- "Optimization methods" (2021 version, opt_utils_v1a, which prints `%f`): AliHumadi2000/
  OptimizationMethod_Course2_week2_Assignemnt, Optimization_methods.ipynb (momentum, Adam, the
  decay runs), and KGagan05/Optimization_methods, Optimization_methods.ipynb (plain gd, the same
  momentum, Adam and decay lines).
"""

from __future__ import annotations

# ---------------------------------------------------------------- Initialization (circles)
# model(train_X, train_Y, initialization=...): every 1000 iterations, `"{}".format(cost)`
INIT_COSTS = {
    "he": {
        0: "0.8830537463419761",
        1000: "0.6879825919728063",
        2000: "0.6751286264523371",
        3000: "0.6526117768893805",
        4000: "0.6082958970572938",
        5000: "0.5304944491717495",
        6000: "0.4138645817071794",
        7000: "0.3117803464844441",
        8000: "0.23696215330322562",
        9000: "0.1859728720920684",
        10000: "0.15015556280371808",
        11000: "0.12325079292273551",
        12000: "0.09917746546525937",
        13000: "0.08457055954024283",
        14000: "0.07357895962677366",
    },
    # log 2 throughout (one copy prints ...455 at 10000, another at 6000: the last bit)
    "zeros": {i: "0.6931471805599453" for i in range(0, 15000, 1000)},
    "random": {0: "inf"},
}
# (train, test) as printed
INIT_ACCURACY = {
    "he": ("0.9933333333333333", "0.96"),
    "zeros": ("0.5", "0.5"),
    "random": ("0.83", "0.86"),
}

# ---------------------------------------------------------------- Regularization (football)
# model(train_X, train_Y, lambd=..., keep_prob=...): every 10000 iterations, `"{}".format(cost)`
REG_COSTS = {
    "none": {0: "0.6557412523481002", 10000: "0.16329987525724204", 20000: "0.13851642423234922"},
    "l2": {0: "0.6974484493131264", 10000: "0.2684918873282238", 20000: "0.26809163371273004"},
    "dropout": {
        0: "0.6543912405149825",
        10000: "0.0610169865749056",
        20000: "0.060582435798513114",
    },
}
REG_ACCURACY = {
    "none": ("0.9478672985781991", "0.915"),
    "l2": ("0.9383886255924171", "0.93"),
    "dropout": ("0.9289099526066351", "0.95"),
}

# ---------------------------------------------------------------- Optimization methods (moons)
# model(train_X, train_Y, layers_dims, optimizer, ...): every 1000 epochs,
# "Cost after epoch %i: %f" and, with decay, "learning rate after epoch %i: %f"
OPT_COSTS = {
    ("gd", None): {
        0: "0.702405",
        1000: "0.668101",
        2000: "0.635288",
        3000: "0.600491",
        4000: "0.573367",
    },
    ("momentum", None): {
        0: "0.702413",
        1000: "0.668167",
        2000: "0.635388",
        3000: "0.600591",
        4000: "0.573444",
    },
    ("adam", None): {
        0: "0.702166",
        1000: "0.167845",
        2000: "0.141316",
        3000: "0.138788",
        4000: "0.136066",
    },
    # model(..., optimizer="gd", learning_rate=0.1, num_epochs=5000, decay=update_lr)
    ("gd", "inverse-time"): {
        0: "0.701091",
        1000: "0.661884",
        2000: "0.658620",
        3000: "0.656765",
        4000: "0.655486",
    },
    # decay=schedule_lr_decay (time_interval 1000), lr 0.1, 0.1 and 0.01
    ("gd", "staircase"): {
        0: "0.701091",
        1000: "0.127161",
        2000: "0.120304",
        3000: "0.117033",
        4000: "0.117512",
    },
    ("momentum", "staircase"): {
        0: "0.702226",
        1000: "0.128974",
        2000: "0.125965",
        3000: "0.123375",
        4000: "0.123218",
    },
    ("adam", "staircase"): {
        0: "0.699346",
        1000: "0.130074",
        2000: "0.129826",
        3000: "0.129282",
        4000: "0.128361",
    },
}
OPT_LR = {
    ("gd", "inverse-time"): {
        0: "0.100000",
        1000: "0.000100",
        2000: "0.000050",
        3000: "0.000033",
        4000: "0.000025",
    },
    ("gd", "staircase"): {
        0: "0.100000",
        1000: "0.050000",
        2000: "0.033333",
        3000: "0.025000",
        4000: "0.020000",
    },
    ("momentum", "staircase"): {
        0: "0.100000",
        1000: "0.050000",
        2000: "0.033333",
        3000: "0.025000",
        4000: "0.020000",
    },
    ("adam", "staircase"): {
        0: "0.010000",
        1000: "0.005000",
        2000: "0.003333",
        3000: "0.002500",
        4000: "0.002000",
    },
}
OPT_ACCURACY = {
    ("gd", None): "0.7166666666666667",
    ("momentum", None): "0.7166666666666667",
    ("adam", None): "0.9433333333333334",
    ("gd", "inverse-time"): "0.6533333333333333",
    ("gd", "staircase"): "0.9433333333333334",
    ("momentum", "staircase"): "0.9533333333333334",
    ("adam", "staircase"): "0.94",
}
