"""STOW-RS: store instances (endpoint, service, body spooling, rules, response)."""
