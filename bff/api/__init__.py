"""The JSON API for setup apps (`/api/v1`): routes, bearer-token callers, errors, JSON shapes, OpenAPI."""
