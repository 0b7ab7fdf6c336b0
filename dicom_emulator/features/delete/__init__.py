"""Delete (Azure-only): studies, series and instances."""
