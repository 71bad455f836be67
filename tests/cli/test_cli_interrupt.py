"""Ctrl-C and `--threads`: after Ctrl-C the command exits 130 with no traceback, a second Ctrl-C
while it finishes included; `--threads N` is BLAS's thread count while the command runs.

The subprocess tests synchronise on the first printed cost line (the loop's Ctrl-C handler is
installed by then) and wait for no timer: the runs are long enough never to end by themselves, and
the timeouts only keep a broken build from hanging the suite."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from tinygrad_edu import cli, io, nn
from tinygrad_edu import train as train_module

ROOT = Path(cli.__file__).parents[2]  # the folder that holds tinygrad_edu/
ENDLESS = ["train", "planar", "--iterations", "100000000", "--print-every", "1000"]
# a second Ctrl-C while the accuracies are computed: accuracy sends it to its own process
SECOND_CTRL_C = textwrap.dedent(
    """
    import os, signal, sys
    from tinygrad_edu import cli, train
    real = train.accuracy
    def accuracy(*args):
        os.kill(os.getpid(), signal.SIGINT)
        return real(*args)
    train.accuracy = accuracy
    raise SystemExit(cli.main(sys.argv[1:]))
    """
)

pytestmark = pytest.mark.skipif(
    sys.platform == "win32", reason="SIGINT cannot be sent to a child process on Windows"
)


def interrupted_run(command: list[str]) -> tuple[int, str, str]:
    """Start `command`, send SIGINT once its first cost line is out, and return its exit status,
    stdout and stderr."""
    env = dict(os.environ, PYTHONUNBUFFERED="1", PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [sys.executable, *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        first = proc.stdout.readline()
        assert first.startswith("Cost after iteration 0: "), first + proc.stderr.read()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return proc.returncode, first + out, err


def test_ctrl_c_stops_training_keeps_the_model_and_exits_130(tmp_path) -> None:
    save = tmp_path / "m.npz"
    status, out, err = interrupted_run(["-m", "tinygrad_edu", *ENDLESS, "--save", str(save)])
    assert status == 130, err
    assert "Traceback" not in err, err
    assert "Interrupted: stopped after iteration" in err and "Interrupted" not in out
    assert "train accuracy:" in out and f"saved the parameters to {save}" in out
    model = nn.ShallowNet(2, 4, 1, hidden="tanh")
    model.load_state_dict(io.load(save))  # a complete file, of the last finished iteration
    assert all(np.all(np.isfinite(p.data)) for p in model.parameters())


def test_a_second_ctrl_c_while_finishing_prints_no_traceback(tmp_path) -> None:
    save = tmp_path / "m.npz"
    command = ["-c", SECOND_CTRL_C, *ENDLESS, "--save", str(save)]
    status, out, err = interrupted_run(command)
    assert status == 130, err
    assert "Traceback" not in err, err
    assert err.splitlines()[-1] == "tinygrad-edu: interrupted"
    assert "train accuracy:" not in out and not save.exists()


def test_ctrl_c_while_saving_leaves_no_file_and_exits_130(tmp_path, capsys, monkeypatch) -> None:
    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(io, "save", interrupted)
    argv = ["train", "planar", "--iterations", "3", "--quiet", "--save", str(tmp_path / "m.npz")]
    assert cli.main(argv) == 130
    out, err = capsys.readouterr()
    assert err == "tinygrad-edu: interrupted\n"
    assert "train accuracy:" in out and list(tmp_path.iterdir()) == []


def blas_threads_now() -> list[int]:
    from threadpoolctl import threadpool_info

    return [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]


@pytest.mark.parametrize("option", [[], ["--threads", "1"], ["--threads", "2"]])
def test_threads_sets_the_blas_threads_for_the_command(option, capsys, monkeypatch) -> None:
    threadpoolctl = pytest.importorskip("threadpoolctl")
    if not blas_threads_now():
        pytest.skip("threadpoolctl finds no BLAS in this numpy")
    n = int(option[1]) if option else cli.options.DEFAULT_THREADS
    with threadpoolctl.threadpool_limits(limits=n, user_api="blas"):
        expected = blas_threads_now()  # what this BLAS gives for n (it may cap it)
    before = blas_threads_now()
    seen = []
    real_fit = train_module.fit

    def fit(*args, **kwargs):
        seen.append(blas_threads_now())
        return real_fit(*args, **kwargs)

    monkeypatch.setattr(train_module, "fit", fit)
    assert cli.main(["train", "planar", "--iterations", "3", *option]) == 0
    assert seen == [expected]
    assert blas_threads_now() == before  # the caller's limits come back
    threads = "1 BLAS thread)" if n == 1 else f"{n} BLAS threads)"
    assert capsys.readouterr().err.endswith(threads + "\n")  # the timing line says how it ran


def test_help_gives_the_threads_default_and_the_exit_statuses(capsys) -> None:
    with pytest.raises(SystemExit):
        cli.main(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert (
        f"BLAS threads, set through threadpoolctl (default {cli.options.DEFAULT_THREADS}:" in text
    )
    assert "130 after Ctrl-C" in text and "2 for a usage error" in text
