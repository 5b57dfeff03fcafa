"""The two ways to install gxparse must not disagree, and the commands the README names
must exist."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _environment() -> list:
    import yaml  # PyYAML comes with jupytext/papermill

    return yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))["dependencies"]


def test_environment_installs_this_package_and_nothing_else() -> None:
    deps = _environment()
    pip = next(d["pip"] for d in deps if isinstance(d, dict))
    assert pip == ["-e .[dev]"]
    conda = [d for d in deps if isinstance(d, str)]
    # Only Python and pip come from conda; every library version is pinned in pyproject.toml.
    assert sorted(re.split(r"[=<>]", d)[0] for d in conda) == ["pip", "python"]


def test_python_versions_agree() -> None:
    requires = _pyproject()["project"]["requires-python"]
    minimum = re.search(r">=\s*(\d+\.\d+)", requires).group(1)
    python = next(d for d in _environment() if isinstance(d, str) and d.startswith("python"))
    assert python.split("=")[1] == minimum


def test_dependencies_are_pinned_once() -> None:
    project = _pyproject()["project"]
    deps = project["dependencies"] + [
        d for ds in project["optional-dependencies"].values() for d in ds
    ]
    names = [re.split(r"[=<>\[]", d)[0].lower() for d in deps]
    assert all("==" in d for d in deps), [d for d in deps if "==" not in d]
    assert len(names) == len(set(names))


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "bash scripts/test.sh" in readme
    assert "bash scripts/test.sh" in ci
    assert "bash scripts/run.sh" in readme


def test_template_doc_is_current() -> None:
    from gxparse.templatedoc import DOC, render

    assert DOC.read_text(encoding="utf-8") == render(), "run: python -m gxparse.templatedoc"


def test_jupyterlab_opens_the_notebooks_as_notebooks() -> None:
    """JupyterLab is installed, and the set-up puts the project's setting override (.py files
    open with jupytext's notebook viewer) where JupyterLab reads it."""
    import json

    from jupyterlab.commands import get_app_dir

    project = ROOT / "jupyter" / "overrides.json"
    viewers = json.loads(project.read_text(encoding="utf-8"))[
        "@jupyterlab/docmanager-extension:plugin"
    ]["defaultViewers"]
    assert viewers == {"python": "Jupytext Notebook"}
    # The viewer's name is the one jupytext's JupyterLab extension registers.
    bundle = Path(get_app_dir()).parent / "labextensions" / "jupyterlab-jupytext" / "static"
    assert any("Jupytext Notebook" in p.read_text(errors="ignore") for p in bundle.glob("*.js"))
    installed = Path(get_app_dir()) / "settings" / "overrides.d" / "gxparse.json"
    assert installed.read_text(encoding="utf-8") == project.read_text(encoding="utf-8")
    assert "jupyter/overrides.json" in (ROOT / "scripts" / "setup.sh").read_text(encoding="utf-8")


def test_notebook_checkpoints_are_ignored() -> None:
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert ".ipynb_checkpoints/" in ignored
