#!/usr/bin/env python3
"""The two commands of the README: set everything up, then run bff or its tests.

    python3 dev.py run     # bff against the embedded sandbox cloud, with demo data
    python3 dev.py test    # the whole test suite (extra arguments go to pytest)
    python3 dev.py mutate  # mutation testing of the core rules, then the score per module

Set-up is idempotent and quick when nothing changed: a virtual environment in .venv with the
project installed (re-installed when pyproject.toml changes), the npm packages of tests/node
for the tests, and, as root on Debian, the system packages the tests need.
Needs only python3 (and, on a bare Debian, root to install python3-venv).
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
VENV_PYTHON = VENV / "bin" / "python"
NODE_CHECKS = ROOT / "tests" / "node"
DEBIAN_TEST_PACKAGES = {"chromium": "/usr/bin/chromium"}  # Debian package -> file it installs (browser tests)


def say(message: str) -> None:
    print(f"[dev] {message}", flush=True)


def run(command: list[str], **kwargs) -> None:
    """Run a set-up command; stop with its exit code if it fails."""
    result = subprocess.run(command, **kwargs)
    if result.returncode != 0:
        say(f"failed: {' '.join(map(str, command))}")
        sys.exit(result.returncode)


def apt_install(packages: list[str]) -> bool:
    """Install Debian packages when running as root with apt-get; False when we cannot."""
    if not packages or os.geteuid() != 0 or not shutil.which("apt-get"):
        return False
    say(f"installing Debian packages: {' '.join(packages)}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run(["apt-get", "update", "-qq"], env=env)
    run(["apt-get", "install", "-y", "-qq", *packages], env=env)
    return True


def ensure_venv() -> None:
    """Create .venv (installing python3-venv first on a bare Debian)."""
    if VENV_PYTHON.exists():
        return
    say("creating the virtual environment .venv")
    if subprocess.run([sys.executable, "-m", "venv", str(VENV)]).returncode == 0:
        return
    shutil.rmtree(VENV, ignore_errors=True)
    version = f"python{sys.version_info.major}.{sys.version_info.minor}-venv"
    if not apt_install(["python3-venv", version]):
        sys.exit("Could not create a virtual environment: install python3-venv, then run this again.")
    run([sys.executable, "-m", "venv", str(VENV)])


def ensure_python_packages(extras: str) -> None:
    """pip-install the project (editable) when pyproject.toml or the extras changed."""
    stamp = VENV / f".installed-{extras or 'base'}"
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    if stamp.exists() and stamp.read_text() == wanted:
        return
    say("installing Python packages into .venv")
    target = f".[{extras}]" if extras else "."
    pip = [str(VENV_PYTHON), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    run([*pip, "-e", target], cwd=ROOT)
    stamp.write_text(wanted)


def ensure_node_packages() -> None:
    """npm-install Particle's JS clients for the tests that run them (skipped without Node.js)."""
    if not shutil.which("npm") or not shutil.which("node"):
        say("Node.js not found: the tests with Particle's JS clients will be skipped")
        return
    marker = NODE_CHECKS / "node_modules" / ".package-lock.json"
    lock = NODE_CHECKS / "package-lock.json"
    if marker.exists() and marker.stat().st_mtime >= lock.stat().st_mtime:
        return
    say("installing the npm packages of tests/node")
    run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=NODE_CHECKS)


def ensure_debian_test_packages() -> None:
    """Install the system packages the tests need, when missing and we may."""
    missing = [name for name, path in DEBIAN_TEST_PACKAGES.items() if not os.path.exists(path)]
    if missing and not apt_install(missing):
        say(f"missing {', '.join(missing)}: the tests that need them will be skipped")


def command_run(args: list[str]) -> None:
    ensure_venv()
    ensure_python_packages("")
    flask = str(VENV / "bin" / "flask")
    os.execv(flask, [flask, "--app", "app", "bff", "serve", *args])


def command_test(args: list[str]) -> None:
    ensure_venv()
    ensure_python_packages("test")
    ensure_node_packages()
    ensure_debian_test_packages()
    os.chdir(ROOT)
    os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), "-m", "pytest", *args])


def command_mutate(args: list[str]) -> None:
    """Mutation testing of the core-rule modules ([tool.mutmut] in pyproject.toml), then the score."""
    ensure_venv()
    ensure_python_packages("test,mutation")
    ensure_node_packages()
    os.chdir(ROOT)
    result = subprocess.run([str(VENV / "bin" / "mutmut"), "run", *args])
    if result.returncode not in (0, 1):
        sys.exit(result.returncode)
    os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), "bench/mutation_score.py"])


COMMANDS = {"run": command_run, "test": command_test, "mutate": command_mutate}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(__doc__)
    COMMANDS[sys.argv[1]](sys.argv[2:])
