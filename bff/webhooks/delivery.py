"""PLACEHOLDER (being written this session): delivering webhook events over HTTP."""
