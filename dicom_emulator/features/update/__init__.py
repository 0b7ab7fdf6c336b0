"""Bulk update (``POST /studies/$bulkUpdate``). Only its route for now: see ``endpoint``."""
