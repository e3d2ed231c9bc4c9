"""bff/claims: the claims service against the sandbox."""
