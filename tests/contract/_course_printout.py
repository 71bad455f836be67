"""What the course's notebooks print, to 6 decimals, where those digits hold on any machine.

These are the course's numbers, copied from its expected outputs and the printouts learners
published; none was computed by tinygrad_edu. The tests also check, on every machine, that the
project's run equals the course's own numpy (benchmarks/course_numpy.py) run there bit for bit, so
the digits below are only the ones that do not depend on the BLAS kernel, the CPU or the thread
count:

- Week 2 logistic regression and the week 4 cat models (learning rate 0.0075 or 0.005) print the
  same costs on every machine: all of them are here.
- Week 3 planar data, at learning rate 1.2, is chaotic after about 7,000 iterations: the last bit
  of rounding grows into the printed digits. The course's notebook printed 0.219454 and 0.218607
  after iterations 8000 and 9000 (its "Expected Output" says 0.218607), other learners' machines
  0.219471 and 0.218612, or 0.218633, and the course's numpy prints 0.219427 and 0.218550 on the
  machine this was written on; all of them print the same digits up to 7000. So the planar costs
  are asserted up to iteration 7000 only, and its accuracy as the course printed it, "Accuracy:
  90%" (a percentage truncated by `%d`): one run gives 90.75, another 90.5.

The week 4 two-layer model prints its costs in full (`0.6930497356599888`); here they are rounded
to the 6 decimals `tinygrad-edu` prints. The week 4 notebooks print accuracies as fractions
(`Accuracy: 0.985645933014`); here they are percentages of the same counts (206 of 209).
"""

from __future__ import annotations

# fmt: off
LOGREG_COSTS = {
    0: "0.693147", 100: "0.584508", 200: "0.466949", 300: "0.376007", 400: "0.331463",
    500: "0.303273", 600: "0.279880", 700: "0.260042", 800: "0.242941", 900: "0.228004",
    1000: "0.214820", 1100: "0.203078", 1200: "0.192544", 1300: "0.183033", 1400: "0.174399",
    1500: "0.166521", 1600: "0.159305", 1700: "0.152667", 1800: "0.146542", 1900: "0.140872",
}
# iterations 8000 and 9000 depend on the machine (see above): not here
PLANAR_COSTS = {
    0: "0.693048", 1000: "0.288083", 2000: "0.254385", 3000: "0.233864", 4000: "0.226792",
    5000: "0.222644", 6000: "0.219731", 7000: "0.217504",
}
SHALLOW_COSTS = {
    0: "0.693050", 100: "0.646432", 200: "0.632514", 400: "0.560197", 500: "0.515830",
    600: "0.475490", 700: "0.433916", 800: "0.400798", 900: "0.358071", 1000: "0.339428",
    1100: "0.305275", 1200: "0.274914", 1300: "0.246818", 1400: "0.198507", 1500: "0.174483",
    1600: "0.170808", 1700: "0.113065", 1800: "0.096294", 1900: "0.083426", 2000: "0.074391",
    2100: "0.066307", 2200: "0.059193", 2300: "0.053361", 2400: "0.048555",
}
DEEP_COSTS = {
    0: "0.771749", 100: "0.672053", 200: "0.648263", 300: "0.611507", 400: "0.567047",
    500: "0.540138", 600: "0.527930", 700: "0.465477", 800: "0.369126", 900: "0.391747",
    1000: "0.315187", 1100: "0.272700", 1200: "0.237419", 1300: "0.199601", 1400: "0.189263",
    1500: "0.161189", 1600: "0.148214", 1700: "0.137775", 1800: "0.129740", 1900: "0.121225",
    2000: "0.113821", 2100: "0.107839", 2200: "0.102855", 2300: "0.100897", 2400: "0.092878",
}
# fmt: on
COSTS = {
    "logreg": LOGREG_COSTS,
    "planar": PLANAR_COSTS,
    "shallow": SHALLOW_COSTS,
    "deep": DEEP_COSTS,
}

# (train, test) accuracy in %, as `100 * mean(prediction == Y)`; the cat counts are 207/209 and
# 35/50 (logreg), 209/209 and 36/50 (two layers), 206/209 and 40/50 (four layers)
CAT_ACCURACY = {
    "logreg": (99.04306220095694, 70.0),
    "shallow": (100.0, 72.0),
    "deep": (98.56459330143541, 80.0),
}
# the planar accuracy as the course prints it: int(accuracy), "Accuracy: 90%"
PLANAR_ACCURACY_PRINTED = 90
