"""The claim page in a real browser (Debian's Chromium through Playwright) on a phone-sized screen."""
