"""bff/api: the JSON API for setup apps, every reply checked against its OpenAPI document."""
