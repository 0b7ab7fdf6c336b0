"""QIDO-RS (being written)."""
from starlette.requests import Request
from starlette.responses import Response


async def search_for_studies(request: Request) -> Response:
    return Response(status_code=501)
search_for_series = search_for_instances = search_for_studies
