"""Fixtures of the API tests: the Wi-Fi setup fixtures (tests/setup/setup_fixtures.py) and helpers."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "setup"))

from setup_fixtures import *
