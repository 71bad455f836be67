"""Hypothesis profiles: `dev` (fast, the default), `ci`, `thorough` (500 examples per property).
Choose one with HYPOTHESIS_PROFILE=thorough."""

import os

from hypothesis import HealthCheck, settings

_common = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
settings.register_profile("dev", max_examples=25, **_common)
settings.register_profile("ci", max_examples=60, derandomize=True, **_common)
settings.register_profile("thorough", max_examples=500, **_common)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


import pytest  # noqa: E402

from tinygrad_edu.data import CatData, find_data_dir, load_cats  # noqa: E402
from tinygrad_edu.engine import checking  # noqa: E402

# Every built-in op's backward is checked on every call of the suite (engine/checking.py): the
# sweep skips those checks for speed, trusting the rules of ops/base.py.
checking.enable()

TRAIN, TEST = "train_catvnoncat.h5", "test_catvnoncat.h5"


@pytest.fixture(scope="session")
def cats() -> CatData:
    """The course's cat pictures, or a skip that says where to put them."""
    directory = find_data_dir()
    if not ((directory / TRAIN).is_file() and (directory / TEST).is_file()):
        pytest.skip(
            f"cat files not found in {directory}: put {TRAIN} and {TEST} there, "
            "or set TINYGRAD_EDU_DATA to the directory that holds them"
        )
    return load_cats()
