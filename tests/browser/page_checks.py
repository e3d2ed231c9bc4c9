"""The checks every page of a browser test goes through, at each of its sizes: axe-core finds
nothing, nothing scrolls sideways, and what a person taps is at least 44 px tall. Problems are
collected so that one run reports every page at once (`assert_none` at the end)."""
from __future__ import annotations

from tests.browser.conftest import PHONE_HEIGHT, PHONE_WIDTH
from tests.browser.needs import axe_sync

MIN_TAP = 44
SIDEWAYS = "[document.documentElement.scrollWidth, window.innerWidth]"
# What sticks out at the right, for the report of a page that scrolls sideways (tables scroll in
# their own box on purpose).
WIDEST = """
() => Array.from(document.querySelectorAll('body *'))
  .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1 && !el.closest('.table-box'))
  .slice(0, 5).map(el => `${el.tagName.toLowerCase()}.${el.className} ${Math.round(el.getBoundingClientRect().right)}`)
"""
# `(selector, min)`: the visible elements matching `selector` shorter than `min`, with their height.
SMALL = """
([selector, min]) => Array.from(document.querySelectorAll(selector))
  .filter(el => el.getClientRects().length && getComputedStyle(el).visibility !== 'hidden')
  .filter(el => el.getBoundingClientRect().height < min)
  .map(el => `${el.tagName.toLowerCase()} "${(el.textContent || el.value || '').trim().replace(/\\s+/g, ' ')}" `
             + `${Math.round(el.getBoundingClientRect().height)} px`)
"""


class PageChecks:
    """Checks the current page at each of `sizes`; `targets`: the CSS selector of what must be
    tappable; `sideways_widths`: the widths at which nothing may scroll sideways (all by default)."""

    def __init__(self, page, *, sizes, targets: str, sideways_widths=None) -> None:
        self.page, self.sizes, self.targets = page, sizes, targets
        self.sideways_widths = sideways_widths
        self.axe = axe_sync.Axe()
        self.problems: list[str] = []
        self.checked: list[str] = []

    def __call__(self, name: str, *, sideways_ok: bool = False, **extra) -> None:
        page = self.page
        self.checked.append(name)
        for width, height in self.sizes:
            page.set_viewport_size({"width": width, "height": height})
            page.wait_for_timeout(50)  # a relayout
            where = f"{name} at {width} px"
            self._axe(where)
            self._targets(where)
            if not sideways_ok and (self.sideways_widths is None or width in self.sideways_widths):
                self._sideways(where)
            self.more(where, **extra)
        page.set_viewport_size({"width": PHONE_WIDTH, "height": PHONE_HEIGHT})

    def more(self, where: str, **extra) -> None:
        """A subclass's own checks of the page at one size."""

    def _axe(self, where: str) -> None:
        results = self.axe.run(self.page)
        if results.violations_count:
            self.problems.append(f"{where}: axe-core\n{violations(results)}")

    def _targets(self, where: str) -> None:
        small = self.page.evaluate(SMALL, [self.targets, MIN_TAP])
        if small:
            self.problems.append(f"{where}: taps under {MIN_TAP} px: {small}")

    def _sideways(self, where: str) -> None:
        scroll_width, inner_width = self.page.evaluate(SIDEWAYS)
        if scroll_width > inner_width:
            self.problems.append(f"{where}: scrolls sideways ({scroll_width} > {inner_width})"
                                 f"; widest: {self.page.evaluate(WIDEST)}")

    def assert_none(self) -> None:
        assert self.checked
        assert not self.problems, "\n\n".join(self.problems)


def violations(results) -> str:
    """axe-core's violations, one line per element: rule, element, what is wrong."""
    return "\n".join(
        f"  {violation['id']} ({violation['impact']}): {', '.join(map(str, node['target']))}: "
        + "; ".join(item["message"] for item in node.get("any", []) + node.get("all", []) + node.get("none", []))
        for violation in results.response["violations"] for node in violation["nodes"])
