"""The FastAPI app: the page, ``POST /api/translate``, ``GET /api/health`` and offline API docs.

Every error a client can cause is answered as JSON ``{"error": "..."}`` with status 400, 403,
408, 413 or 503 (404 / 405 for a wrong address); anything else is logged with its traceback and
answered 500 with one line, and the server goes on serving. A client that goes away mid-upload
is one line in the log. Uploads live in a folder of their own under
the server's temporary folder and are deleted when their request ends; the pictures of the
latest ``keep_results`` results stay for the page's history and go when the server stops.
"""

from __future__ import annotations

import logging
import re
import secrets
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from sign2gpt import __version__
from sign2gpt.serve.engine import Engine
from sign2gpt.serve.guard import Guard, error
from sign2gpt.serve.jobs import JobQueue
from sign2gpt.serve.translations import ClientGone, Translated, Translations
from sign2gpt.serve.uploads import MB, ServeLimits, UploadError, remove_tree

log = logging.getLogger("sign2gpt.serve")

STATIC = Path(__file__).parent / "static"
_ID = re.compile(r"^[0-9a-f]{16}$")
TICKET = r"^[A-Za-z0-9_-]{1,64}$"

UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "description": "one video (mp4, webm, mov, avi, ...) or zip of "
                            "frames; or several image files: the frames of one clip, in name "
                            "order",
                        },
                        "name": {
                            "type": "string",
                            "description": "the clip's name, for frames sent as image files",
                        },
                    },
                }
            }
        },
    }
}


class ErrorBody(BaseModel):
    error: str


class Limits(BaseModel):
    max_upload_mb: float
    max_seconds: float
    max_frames: int
    max_megapixels: float
    max_decode_seconds: float
    max_waiting: int


class Sampling(BaseModel):
    frame_stride: int
    max_frames: int


class QueueLoad(BaseModel):
    running: bool
    waiting: int


class Health(BaseModel):
    status: str
    model: str
    checkpoint: str
    heatmap_checkpoint: str | None
    device: str
    lang: str
    input: str  # what the model reads: rgb, pose (a .pose / .npz file or a video), rgb+pose
    num_beams: int
    version: str
    sampling: Sampling
    limits: Limits
    queue: QueueLoad


class Job(BaseModel):
    state: str  # queued | running | unknown (not yet queued, or done)
    ahead: int


def _health(engine: Engine, limits: ServeLimits, queue: JobQueue) -> Health:
    info = engine.info
    running, waiting = queue.load()
    return Health(
        status="ok",
        model=info.model,
        checkpoint=info.checkpoint,
        heatmap_checkpoint=info.heatmap_checkpoint,
        device=info.device,
        lang=info.lang,
        input=info.input,
        num_beams=info.num_beams,
        version=__version__,
        sampling=Sampling(frame_stride=info.frame_stride, max_frames=info.max_frames),
        limits=Limits(
            max_upload_mb=limits.max_upload_bytes / MB,
            max_seconds=limits.max_seconds,
            max_frames=limits.max_frames,
            max_megapixels=limits.max_megapixels,
            max_decode_seconds=limits.max_decode_seconds,
            max_waiting=limits.max_waiting,
        ),
        queue=QueueLoad(running=running, waiting=waiting),
    )


def create_app(
    engine: Engine,
    limits: ServeLimits | None = None,
    work_dir: Path | None = None,
    allowed_hosts: list[str] | None = None,
    allowed_origins: list[str] | None = None,
) -> FastAPI:
    """The app around a loaded ``engine``. Uploads and results go under a fresh folder in
    ``work_dir`` (the system's temporary folder by default), removed at shutdown;
    ``allowed_hosts``: host names the server answers to (None: any); ``allowed_origins``: web
    origins (``http://host:port``) besides its own whose pages may post to it."""
    from fastapi_offline import FastAPIOffline

    limits = limits or ServeLimits()
    root = Path(tempfile.mkdtemp(prefix="sign2gpt-serve-", dir=work_dir))
    translations = Translations(engine, limits, root)
    queue, results = translations.queue, translations.results

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            queue.close()
            remove_tree(root)

    app = FastAPIOffline(
        title="sign2gpt serve",
        redoc_url=None,
        version=__version__,
        description="Sign language video in, sentence out. The page is at `/`.",
        lifespan=lifespan,
    )
    app.state.work_dir = root
    app.state.queue = queue
    app.add_middleware(Guard, allowed_hosts=allowed_hosts, allowed_origins=allowed_origins)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return error(exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def bad_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(x) for x in first.get("loc", ()))
        return error(400, f"bad request: {where}: {first.get('msg', 'invalid')}")

    @app.exception_handler(Exception)
    async def internal_error(_: Request, exc: Exception) -> JSONResponse:
        log.exception("internal error")
        return error(500, f"internal error ({exc.__class__.__name__}); see the server's log")

    @app.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(STATIC / "index.html")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/api/health", response_model=Health)
    async def health() -> Health:
        return _health(engine, limits, queue)

    @app.get("/api/jobs/{ticket}", response_model=Job)
    async def job(ticket: str) -> Job:
        status = queue.status(ticket)
        return Job(state=status.state.value, ahead=status.ahead)

    @app.get("/api/results/{rid}/{name}", include_in_schema=False)
    async def result_file(rid: str, name: str) -> FileResponse:
        path = results.file(rid, name) if _ID.match(rid) else None
        if path is None:
            raise StarletteHTTPException(
                404, f"no result file {rid}/{name} (kept: the latest {limits.keep_results})"
            )
        return FileResponse(path, media_type="image/png")

    @app.post(
        "/api/translate",
        response_model=Translated,
        response_model_exclude_none=True,
        responses={
            400: {"model": ErrorBody, "description": "not a readable video, zip or frames"},
            403: {"model": ErrorBody, "description": "posted by a page of another origin"},
            408: {"model": ErrorBody, "description": "the upload stopped arriving"},
            413: {"model": ErrorBody, "description": "over a size, length, frame or work limit"},
            503: {"model": ErrorBody, "description": "too many uploads in line"},
        },
        openapi_extra=UPLOAD_BODY,
    )
    async def translate(
        request: Request,
        ticket: str | None = Query(None, pattern=TICKET, description="client's id, see jobs"),
    ) -> Translated | JSONResponse:
        """Translate one clip: a video file, a zip of frames, or several image frames, sent
        as the multipart field `file`. One clip runs at a time; the others wait in line
        (`GET /api/jobs/{ticket}` tells a waiting client how many are ahead)."""
        try:
            return await translations(request, ticket or secrets.token_hex(8))
        except UploadError as exc:
            return error(exc.status, str(exc))
        except ClientGone:  # nobody to answer; not a fault of the server's
            log.info("a client went away during its upload (%s)", request.client)
            return Response(status_code=400)

    return app
