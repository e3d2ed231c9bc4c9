"""Field mode's fake camera: a Y4M video showing several box labels one after another, and a
second Chromium that films it (the session's `browser` keeps the single-label video of conftest.py).

Fixtures (imported by tests/browser/test_browser_field.py):
- `field_devices`: the demo devices that are online, imported and unclaimed after every sandbox
  reset (two Electrons and a Photon): one label each;
- `field_video`: each label's QR for FRAMES_PER_LABEL frames at FPS (about 1.2 s), in turn; Chromium
  plays it in a loop, as a crew moving the phone from box to box and back;
- `field_browser`: Chromium with that video as its camera, launched by the session's Playwright.
"""
from __future__ import annotations

import pytest
import requests

from bff import labels

from tests.browser.conftest import BROWSER_ARGS, CHROMIUM, label_frame, write_y4m
from tests.support import LABEL_KEY

FPS = 5
FRAMES_PER_LABEL = 6  # 1.2 s of each label
LABEL_URL = "https://claim.example.com"  # the public URL the labels were printed with


@pytest.fixture(scope="session")
def field_devices(sandbox_server) -> list[str]:
    """Every demo device that is online, in a product and unclaimed (the same after each reset)."""
    sandbox_server.reset()
    state = requests.get(f"{sandbox_server.base_url}/sandbox/state", timeout=10).json()
    devices = [d["id"] for d in state["devices"] if d["product_id"] and d["online"] and not d["owner"]]
    assert len(devices) >= 3, state["devices"]
    return devices[:3]


@pytest.fixture(scope="session")
def field_video(tmp_path_factory, field_devices) -> str:
    frames = []
    for device_id in field_devices:
        url = labels.device_claim_url(LABEL_URL, LABEL_KEY, device_id)
        frames += [label_frame(url, shift % 3 * 2) for shift in range(FRAMES_PER_LABEL)]
    path = tmp_path_factory.mktemp("field-camera") / "labels.y4m"
    write_y4m(path, frames, fps=FPS)
    return str(path)


@pytest.fixture(scope="session")
def field_browser(browser, field_video):
    """A second Chromium, from the same Playwright, whose camera films the field video."""
    second = browser.browser_type.launch(
        executable_path=CHROMIUM, headless=True,
        args=[*BROWSER_ARGS, f"--use-file-for-fake-video-capture={field_video}"],
    )
    yield second
    second.close()
