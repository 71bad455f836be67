"""PyTorch stays optional: importing tinygrad_edu and tinygrad_edu.export does not import it, and
without it to_torch and from_torch say how to install it. These run with or without torch (its
absence is simulated)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tinygrad_edu import nn
from tinygrad_edu.export import from_torch, to_torch

ROOT = Path(__file__).resolve().parents[2]
INSTALL = 'pip install "tinygrad_edu[torch]"'


def test_importing_the_package_and_export_does_not_import_torch() -> None:
    code = (
        "import sys, tinygrad_edu, tinygrad_edu.export, tinygrad_edu.nn, tinygrad_edu.train\n"
        "print('torch' in sys.modules)"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # this checkout's package, not an installed one
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert done.stdout.strip() == "False"


@pytest.mark.parametrize("convert", [to_torch, from_torch])
def test_without_torch_the_message_says_how_to_install_it(
    convert: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now raises ImportError
    with pytest.raises(ImportError) as caught:
        convert(nn.Linear(2, 1))  # type: ignore[operator]
    assert INSTALL in str(caught.value)
    name = getattr(convert, "__name__", "")
    assert str(caught.value).startswith(f"{name} needs PyTorch")
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
