"""Data partitions: one service, several isolated sets of data (``features/partitions``).

``service.py`` holds the rules (the setting, names, finding a partition) and
``endpoint.py`` applies them to requests: ``GET /partitions`` and the filter every
partitioned route family goes through (``routes.PARTITIONED_FAMILIES``).
"""
