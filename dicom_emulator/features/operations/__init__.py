"""Long-running operations (Azure-only): their status."""
