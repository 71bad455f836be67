"""The package as a user gets it: pyproject.toml's metadata (quick), and a wheel built from the sdist,
installed into a fresh venv and run from another directory (slow: a build and a training run).

The venv borrows this environment's third-party packages (numpy, h5py, ...) through a .pth file,
so nothing is downloaded; tinygrad_edu itself comes only from the wheel (the test checks where it
was imported from)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest

import tinygrad_edu

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = ROOT / "pyproject.toml"
# what the sdist must hold so that its own tests pass once unpacked (MANIFEST.in)
SDIST_DIRS = ("tinygrad_edu", "tests", "docs", "examples", "benchmarks")


def _project() -> dict:
    return tomllib.loads(PYPROJECT.read_text())


def test_the_version_is_written_once_and_the_license_is_spdx() -> None:
    config = _project()
    project = config["project"]
    assert "version" not in project and "version" in project["dynamic"]
    assert config["tool"]["setuptools"]["dynamic"]["version"] == {
        "attr": "tinygrad_edu.__version__"
    }
    assert re.fullmatch(r"\d+\.\d+\.\d+", tinygrad_edu.__version__)
    assert project["license"] == "MIT" and project["license-files"] == ["LICENSE"]
    assert "MIT License" in (ROOT / "LICENSE").read_text()
    assert (Path(tinygrad_edu.__file__).parent / "py.typed").is_file()


def test_the_extras() -> None:
    extras = _project()["project"]["optional-dependencies"]
    assert any(r.startswith("hypothesis") for r in extras["testing"])
    # a range, never one exact release (CI's local torch 2.13.0 must satisfy it)
    (torch,) = extras["torch"]
    assert torch.startswith("torch") and "==" not in torch and "<" in torch and ">=" in torch
    # CI installs `.[test,docs]` (the README's command): mypy and ruff come with `test`
    assert any(r.startswith("mypy") for r in extras["test"])
    assert any(r.startswith("ruff") for r in extras["test"])
    assert "tinygrad_edu[all,testing]" in extras["test"]
    assert {"mkdocs-material", "mkdocstrings", "nbmake", "ipykernel"} <= {
        re.split(r"[\[<>=~]", r)[0] for r in extras["docs"]
    }


def _copy_source(dest: Path) -> Path:
    """The project's files without caches, venvs and earlier builds: the build reads a clean tree
    and writes nothing into the checkout."""
    skip = shutil.ignore_patterns(
        ".git",
        ".venv",
        "__pycache__",
        "*.egg-info",
        "build",
        "dist",
        ".*_cache",
        ".hypothesis",
        "out",
        "site",
        "datasets",
        "*.h5",
    )
    return Path(shutil.copytree(ROOT, dest, ignore=skip))


def _run(cmd: list, cwd: Path, env: dict | None = None) -> str:
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{cmd} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("build")
    tmp = tmp_path_factory.mktemp("dist")
    source = _copy_source(tmp / "source")
    # without isolation: this environment's setuptools (>=77, from the test extra) builds, offline;
    # `python -m build` makes the sdist, then the wheel from the unpacked sdist
    _run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(tmp / "out")], source)
    return tmp / "out"


@pytest.mark.slow
def test_the_sdist_holds_the_docs_examples_and_tests(dist: Path) -> None:
    (sdist,) = dist.glob("*.tar.gz")
    with tarfile.open(sdist) as tar:
        names = {Path(n).parts[1] for n in tar.getnames() if len(Path(n).parts) > 1}
        files = set(tar.getnames())
    top = f"tinygrad_edu-{tinygrad_edu.__version__}"
    assert set(SDIST_DIRS) <= names
    for name in ("LICENSE", "README.md", "pyproject.toml", "docs/conftest.py", "tests/conftest.py"):
        assert f"{top}/{name}" in files, name
    assert not any("__pycache__" in f or f.endswith(".pyc") for f in files)


@pytest.mark.slow
def test_the_wheel_installs_and_its_command_runs_elsewhere(dist: Path, tmp_path: Path) -> None:
    (wheel,) = dist.glob("*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        info = f"tinygrad_edu-{tinygrad_edu.__version__}.dist-info"
        metadata = zf.read(f"{info}/METADATA").decode()
    assert "tinygrad_edu/py.typed" in names and f"{info}/licenses/LICENSE" in names
    assert "License-Expression: MIT" in metadata
    assert not any(n.startswith(("tests/", "docs/")) for n in names)

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    site = Path(
        _run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            tmp_path,
        ).strip()
    )
    pip = [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps"]
    _run([*pip, "--no-index", str(wheel)], tmp_path)
    # then this environment's numpy, h5py, ... after the venv's own site-packages (only after the
    # install: pip would take a tinygrad_edu installed here for the wheel, already installed)
    borrowed = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "borrowed.pth").write_text("\n".join(sorted(borrowed)) + "\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["MPLBACKEND"] = "Agg"
    where = _run(
        [str(python), "-c", "import tinygrad_edu; print(tinygrad_edu.__file__)"], elsewhere, env
    )
    assert Path(where.strip()).is_relative_to(site), where

    command = str(env_dir / "bin" / "tinygrad-edu")
    version = _run([command, "--version"], elsewhere, env)
    assert version.strip() == f"tinygrad_edu {tinygrad_edu.__version__}"
    trained = _run([command, "train", "planar", "--quiet"], elsewhere, env)
    accuracy = re.search(r"train accuracy: ([\d.]+) %", trained)
    assert accuracy and float(accuracy.group(1)) > 80, trained  # the course gets 90 %
    graph = _run([command, "graph", "--out", "course_graph"], elsewhere, env)
    assert "digraph" in (elsewhere / "course_graph.dot").read_text()
    assert "dJ/da" in graph  # the chain rule steps of J = 3(a + b·c)
