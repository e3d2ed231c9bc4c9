"""bff/web: the pages (landing, claim, devices), sign-in, errors and health, with the Flask test client."""
