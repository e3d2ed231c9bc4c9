"""bff's tests. A package, so every module has one dotted name (`tests.web.test_web_pages`) and
helpers are imported as `tests.support.polling`; no folder needs to be on sys.path.

The layout follows bff's: the tests of `bff/<package>` are in `tests/<package>/`, those of bff's
top-level modules (config.py, device_ids.py, errors.py, worker.py) in `tests/test_<module>.py`.
Besides those:

- `conftest.py`: the shared fixtures, each defined once; a folder's conftest.py holds only what that
  folder alone uses.
- `support/`: helpers several folders use (polling, `FakeClock`, the fake Twilio, page reading, the
  JSON API client).
- `browser/`: the claim in a real browser; `node/`: Particle's JavaScript clients, run by the
  sandbox and Wi-Fi setup tests; `test_docs.py`, `test_architecture.py`: the README and the
  house rules, checked.
"""
