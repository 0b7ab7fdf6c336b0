"""Wire plumbing: request helpers, media types and multipart framing, responses, versions.

Nothing here knows a feature; features import from here, never the other way round.
"""
