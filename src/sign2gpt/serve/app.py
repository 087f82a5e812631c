"""The FastAPI app: the page, ``POST /api/translate``, ``GET /api/health`` and offline API docs.

Every error a client can cause is answered as JSON ``{"error": "..."}`` with status 400, 403,
408, 413 or 503 (404 / 405 for a wrong address); anything else is logged with its traceback and
answered 500 with one line, and the server goes on serving. A client that goes away mid-upload
is one line in the log. Uploads live in a folder of their own under
the server's temporary folder and are deleted when their request ends; the pictures of the
latest ``keep_results`` results stay for the page's history and go when the server stops.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import tempfile
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.responses import Response

from sign2gpt import __version__
from sign2gpt.data.frames import OverBudget, WorkBudget
from sign2gpt.errors import DataError
from sign2gpt.serve.engine import Engine, EngineResult
from sign2gpt.serve.jobs import JobQueue, QueueFull, TicketInUse
from sign2gpt.serve.uploads import (
    MB,
    Clip,
    ServeLimits,
    Upload,
    UploadError,
    open_upload,
    remove_tree,
    save_upload,
    too_big,
)

log = logging.getLogger("sign2gpt.serve")

STATIC = Path(__file__).parent / "static"
RESULT_FILES = ("contact_sheet.png", "heatmap.png")
BODY_SLACK = 1 * MB  # multipart framing around the file bytes (part headers, boundaries)
_ID = re.compile(r"^[0-9a-f]{16}$")
TICKET = r"^[A-Za-z0-9_-]{1,64}$"

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# No byte of the page comes from anywhere but this server; the Swagger UI page needs its inline
# bootstrap script, still with nothing from outside. (No ReDoc page: its bundle fetches its own
# logo from a CDN.)
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
    "media-src 'self' blob: mediastream:; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "frame-ancestors 'none'"
)
DOCS_PATHS = ("/docs",)

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


class Translated(BaseModel):
    text: str
    decoded_frames: int  # frames the clip holds (decoded, or counted where only some are)
    sampled_frames: int  # frames the model saw
    clip_seconds: float | None = None  # a video's length
    seconds: float  # decoding + model + pictures
    queued_seconds: float  # waiting for the model
    file: str
    id: str
    contact_sheet_url: str
    heatmap_url: str | None = None


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


class BodyTooLarge(Exception):
    pass


class BodyStalled(Exception):
    pass


class ClientGone(Exception):
    pass


def error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _limited_receive(receive: Receive, limit: int, timeout: float) -> Receive:
    """``receive`` that raises BodyTooLarge once the request body passes ``limit`` bytes, so a
    client without (or lying about) Content-Length cannot fill the disk, and BodyStalled when
    ``timeout`` seconds pass without a byte (a Content-Length larger than what is sent would
    otherwise hold a place in line for ever)."""
    seen = 0

    async def inner() -> Message:
        nonlocal seen
        try:
            message = await asyncio.wait_for(receive(), timeout)
        except asyncio.TimeoutError:
            raise BodyStalled from None
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise BodyTooLarge
        return message

    return inner


SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def _origin(url: str) -> str:
    """``scheme://host:port`` of a URL or an Origin header, lower case, the port always given
    (``http://LOCALHOST`` -> ``http://localhost:80``); "" for anything else (``null``)."""
    parts = urlsplit(url.strip().lower())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return ""
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host}:{port}"


class Guard:
    """ASGI middleware: answers only requests addressed to an allowed host name (a page on
    another site cannot reach a loopback server by DNS rebinding), refuses a POST that a page of
    another origin sent (a browser says so in ``Origin``, or ``Sec-Fetch-Site``: any page the
    user visits could otherwise post uploads to a local server) unless that origin is allowed,
    and adds the CSP and no-sniff headers to every response."""

    def __init__(
        self,
        app: ASGIApp,
        allowed_hosts: list[str] | None,
        allowed_origins: list[str] | None = None,
    ) -> None:
        self.app = app
        self.allowed = None if allowed_hosts is None else {h.lower() for h in allowed_hosts}
        self.origins = {_origin(o) for o in allowed_origins or ()} - {""}

    def _cross_origin(self, scope: Scope, headers: dict[bytes, bytes]) -> str | None:
        """The foreign origin a state-changing request came from, None if it may go on."""
        if scope["method"] in SAFE_METHODS:
            return None
        origin = headers.get(b"origin")
        if origin is None:  # not a browser (curl, a script), or one that says where it was
            site = headers.get(b"sec-fetch-site", b"").decode("latin-1").lower()
            return "another site" if site in ("cross-site", "same-site") else None
        text = origin.decode("latin-1")
        scheme = "https" if scope.get("scheme") == "https" else "http"
        own = _origin(f"{scheme}://{headers.get(b'host', b'').decode('latin-1')}")
        mine = _origin(text)
        if mine and (mine == own or mine in self.origins):
            return None
        return text or "an empty origin"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        if self.allowed is not None:
            host = urlsplit("//" + headers.get(b"host", b"").decode("latin-1")).hostname or ""
            if host.lower() not in self.allowed:
                body = error(400, f"this server does not answer to host {host!r}")
                await body(scope, receive, send)
                return
        foreign = self._cross_origin(scope, headers)
        if foreign is not None:
            body = error(
                403,
                f"refused: a page of {foreign} may not post to this server (start it with "
                "--allow-origin ORIGIN to allow one)",
            )
            await body(scope, receive, send)
            return
        csp = DOCS_CSP if scope["path"].startswith(DOCS_PATHS) else PAGE_CSP

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *message.get("headers", []),
                    (b"content-security-policy", csp.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                ]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class ResultStore:
    """Folders of the latest results' pictures; the oldest goes when there are too many."""

    def __init__(self, root: Path, keep: int) -> None:
        self.root = root
        self.keep = max(1, keep)
        self._ids: OrderedDict[str, Path] = OrderedDict()

    def new(self) -> tuple[str, Path]:
        rid = secrets.token_hex(8)
        folder = self.root / rid
        folder.mkdir(parents=True)
        self._ids[rid] = folder
        while len(self._ids) > self.keep:
            _, old = self._ids.popitem(last=False)
            remove_tree(old)
        return rid, folder

    def drop(self, rid: str) -> None:
        folder = self._ids.pop(rid, None)
        if folder is not None:
            remove_tree(folder)

    def file(self, rid: str, name: str) -> Path | None:
        folder = self._ids.get(rid)
        if folder is None or name not in RESULT_FILES:
            return None
        path = folder / name
        return path if path.is_file() else None


BUDGET_FLAGS = {"pixels": "--max-megapixels", "seconds": "--max-decode-seconds"}


class Translations:
    """The work behind ``POST /api/translate``: take a place in line, take in the upload, then
    on the model's worker unpack, check and translate it, answer. Every refusal is an
    :class:`UploadError` carrying its status; a client that left raises :class:`ClientGone`."""

    def __init__(self, engine: Engine, limits: ServeLimits, root: Path) -> None:
        self.engine = engine
        self.limits = limits
        self.uploads = root / "uploads"
        self.uploads.mkdir()
        self.results = ResultStore(root / "results", limits.keep_results)
        self.queue = JobQueue(limits.max_waiting)
        self.body_limit = limits.max_upload_bytes + BODY_SLACK

    async def __call__(self, request: Request, ticket: str) -> Translated:
        if not request.headers.get("content-type", "").startswith("multipart/form-data"):
            raise UploadError("send the clip as multipart/form-data in the field `file`")
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > self.body_limit:  # refused before reading it
            raise UploadError(too_big(self.limits.max_upload_bytes), status=413)
        try:
            self.queue.reserve(ticket)  # refused here, before a byte of the body is read
        except QueueFull:
            waiting = self.queue.max_waiting
            message = f"the line is full ({waiting} uploads in it, --max-queue); try later"
            raise UploadError(message, 503) from None
        except TicketInUse as exc:
            raise UploadError(str(exc)) from None
        job_dir = self.uploads / secrets.token_hex(8)
        try:
            upload = await self._receive(request, job_dir)
            return await self._translate(ticket, upload)
        finally:
            self.queue.release(ticket)
            await run_in_threadpool(remove_tree, job_dir)  # the upload, whatever happened

    async def _receive(self, request: Request, job_dir: Path) -> Upload:
        receive = _limited_receive(request.receive, self.body_limit, self.limits.body_timeout)
        limited = Request(request.scope, receive)
        try:
            form = await limited.form(max_files=self.limits.max_frames + 1, max_fields=16)
        except BodyTooLarge:
            raise UploadError(too_big(self.limits.max_upload_bytes), status=413) from None
        except BodyStalled:
            raise UploadError(
                f"the upload sent nothing for {self.limits.body_timeout:g} s; dropped", 408
            ) from None
        except ClientDisconnect:
            raise ClientGone from None
        except StarletteHTTPException as exc:  # Starlette's word on a malformed form
            raise UploadError(f"unreadable multipart upload ({exc.detail})") from None
        try:
            fields = form.getlist("file")
            parts = [(f.filename, f.file) for f in fields if isinstance(f, UploadFile)]
            if len(parts) != len(fields):
                raise UploadError("the form field `file` must hold a file, not text")
            name = form.get("name")
            name = name if isinstance(name, str) else None
            reads = self.engine.info.input
            return await run_in_threadpool(save_upload, parts, job_dir, self.limits, name, reads)
        finally:
            await form.close()

    def _work(self, upload: Upload, out_dir: Path) -> tuple[EngineResult, Clip]:
        """On the model's worker: the upload unpacked and checked, then translated under one
        budget of decoded pixels and seconds; errors name the file as the client did."""
        limits = self.limits
        source = upload.path
        try:
            clip = open_upload(upload, limits, self.engine.info.max_frame_bytes)
            source = clip.source
            budget = WorkBudget(int(limits.max_megapixels * 1e6), limits.max_decode_seconds)
            return self.engine.translate(clip.source, out_dir, budget), clip
        except OverBudget as exc:
            message = str(exc).replace(str(source), upload.name)
            raise UploadError(f"{message} ({BUDGET_FLAGS[exc.kind]})", 413) from None
        except DataError as exc:
            raise UploadError(str(exc).replace(str(source), upload.name)) from None

    async def _translate(self, ticket: str, upload: Upload) -> Translated:
        rid, out_dir = self.results.new()
        arrived = time.perf_counter()
        done = False
        try:
            result, clip = await self.queue.run(ticket, lambda: self._work(upload, out_dir))
            done = True
        except UploadError:
            raise
        except Exception as exc:  # a bug, not the client's fault: log it, keep serving
            log.exception("translating %s failed", upload.name)
            message = f"{upload.name}: internal error ({exc.__class__.__name__}); see the log"
            raise UploadError(message, status=500) from None
        finally:
            if not done:
                self.results.drop(rid)
        queued = time.perf_counter() - arrived - result.seconds
        if result.heatmap is not None:
            result.heatmap.rename(out_dir / "heatmap.png")
        return Translated(
            text=result.text,
            decoded_frames=result.decoded_frames,
            sampled_frames=result.sampled_frames,
            clip_seconds=None if clip.seconds is None else round(clip.seconds, 3),
            seconds=round(result.seconds, 3),
            queued_seconds=round(max(0.0, queued), 3),
            file=upload.name,
            id=rid,
            contact_sheet_url=f"/api/results/{rid}/contact_sheet.png",
            heatmap_url=f"/api/results/{rid}/heatmap.png" if result.heatmap else None,
        )


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
