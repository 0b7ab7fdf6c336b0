"""Extended query tags (Azure-only): more searchable attributes, and their reindex."""
