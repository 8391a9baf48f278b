"""Files the API sends as attachments (a deal's PDF and files, KYC documents), passed on to the browser with the
API's own attachment and nosniff headers."""

from __future__ import annotations

from starlette.responses import Response

from triboka_web.api_client import ApiClient

PASSED_HEADERS = ("content-type", "content-disposition", "content-length", "x-content-type-options")


async def passed_through(api: ApiClient, path: str) -> Response:
    answer = await api.download(path)
    headers = {name: answer.headers[name] for name in PASSED_HEADERS if name in answer.headers}
    return Response(answer.content, status_code=200, headers=headers)
