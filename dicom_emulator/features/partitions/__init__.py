"""Data partitions. Until the service is created with partitions, all data is in the
default partition, whose name every change-feed entry and tag error carries."""

DEFAULT_PARTITION = "Microsoft.Default"
