"""Fixtures of the Wi-Fi setup tests (defined in setup_fixtures.py, shared with tests/api)."""
from setup_fixtures import *
