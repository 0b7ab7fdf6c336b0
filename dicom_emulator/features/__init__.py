"""One package per feature, each an endpoint module (HTTP) and a service module (no HTTP)."""
