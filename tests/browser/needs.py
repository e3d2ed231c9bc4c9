"""What every browser test module needs: Debian's Chromium, Playwright and axe-core. A module that
imports this is skipped, with the reason, on a machine without them (`python3 ./dev.py test`
installs them)."""
from __future__ import annotations

import os

import pytest

CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM),
                                reason="browser tests need Debian's chromium at /usr/bin/chromium")
sync_api = pytest.importorskip("playwright.sync_api", reason="browser tests need the playwright package")
axe_sync = pytest.importorskip("axe_playwright_python.sync_playwright",
                               reason="the accessibility checks need axe-playwright-python")
expect = sync_api.expect
