"""WADO-RS (being written)."""
from starlette.requests import Request
from starlette.responses import Response


async def retrieve_instances(request: Request) -> Response:
    return Response(status_code=501)
retrieve_metadata = retrieve_frames = retrieve_rendered = retrieve_instances
