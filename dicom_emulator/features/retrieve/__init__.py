"""WADO-RS: retrieve instances, metadata, frames and rendered images."""
