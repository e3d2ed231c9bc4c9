"""The sandbox cloud's tests (a package, so the test modules import `sandbox_client` relatively)."""
