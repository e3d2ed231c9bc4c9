"""The house rules of ARCHITECTURE.md, checked: import contracts, module size, a light sandbox."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MODULE_LINE_LIMIT = 400


def test_the_import_contracts_hold():
    """pyproject.toml's [tool.importlinter] contracts: layers, no Flask in services, SQL only in
    bff.db, HTTP to Particle only in bff.particle, Twilio only in bff.twilio, one way into the
    sandbox, a sandbox that imports nothing of bff, and no import cycles."""
    lint_imports = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint_imports, "import-linter is not installed (python3 ./dev.py test installs it)"
    result = subprocess.run([lint_imports, "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout


def _modules() -> list[Path]:
    return sorted((ROOT / "bff").rglob("*.py"))


@pytest.mark.parametrize("module", _modules(), ids=lambda path: str(path.relative_to(ROOT)))
def test_no_module_is_longer_than_the_limit(module):
    lines = len(module.read_text(encoding="utf-8").splitlines())
    assert lines <= MODULE_LINE_LIMIT, f"{module.relative_to(ROOT)} has {lines} lines: split it by concern"


def _imported_by(statement: str) -> set[str]:
    code = f"import sys; {statement}; print(' '.join(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return set(result.stdout.split())


def test_the_sandbox_loads_without_the_rest_of_bff():
    """The sandbox is a Particle cloud emulator others can use alone: importing it (and making its
    app) loads none of bff's web stack, Twilio or Argon2."""
    loaded = _imported_by("from bff.sandbox import SandboxCloud; SandboxCloud")
    heavy = {"flask_login", "flask_wtf", "twilio", "argon2"}
    assert not heavy & loaded
    assert not {name for name in loaded if name.startswith("bff.") and not name.startswith("bff.sandbox")}


def test_importing_a_service_does_not_load_the_web_app():
    loaded = _imported_by("import bff.claims, bff.devices, bff.labels")
    assert not {"flask_login", "flask_wtf", "argon2", "bff.web", "bff.api"} & loaded
