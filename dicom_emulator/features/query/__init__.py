"""QIDO-RS: search for studies, series and instances (endpoint, service, parser)."""
