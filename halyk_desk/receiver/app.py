"""The receiver's HTTP face (Starlette): POST a callback anywhere, GET /health.

A callback is read with a bound on its size and on the time its body may take, stored (once per
distinct body) and answered 200 "OK" at once; the status check happens afterwards in the checker.
Any POST path is accepted because shops put the receiver behind their own web server under
whatever path they like; the secret travels in the query.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from halyk_desk.services import callbacks

if TYPE_CHECKING:
    from halyk_desk.receiver.checker import StatusChecker
    from halyk_desk.services.context import AppContext

#: Seconds a client has to send a callback's body once its headers are in.
BODY_TIMEOUT = 10.0


class _TooLarge(Exception):
    pass


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise _TooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def make_app(ctx: AppContext, checker: StatusChecker, *, body_timeout: float = BODY_TIMEOUT,
             max_body: int = callbacks.MAX_BODY) -> Starlette:
    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "profile": ctx.profile.name,
                             "pending_checks": checker.pending,
                             "checks_done": checker.checked, "checks_failed": checker.failed})

    async def callback(request: Request) -> Response:
        try:
            async with asyncio.timeout(body_timeout):
                body = await _read_body(request, max_body)
        except TimeoutError:
            return Response(status_code=408)
        except _TooLarge:
            return Response(status_code=413)
        except ClientDisconnect:
            return Response(status_code=400)
        query = dict(request.query_params)
        receipt = await run_in_threadpool(callbacks.receive, ctx, body, query)
        if receipt.check and receipt.invoice_id:
            checker.submit(receipt.invoice_id)
        return PlainTextResponse("OK")

    return Starlette(routes=[
        Route("/health", health, methods=["GET"]),
        Route("/{path:path}", callback, methods=["POST"]),
    ])
