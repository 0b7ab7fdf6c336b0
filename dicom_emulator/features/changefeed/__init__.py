"""Change feed (Azure-only): every store and delete, in order."""
