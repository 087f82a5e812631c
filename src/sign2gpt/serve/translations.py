"""The work behind ``POST /api/translate``: a place in line taken before the body is read, the
upload taken in under the body guard, then unpacked, checked and translated on the model's worker,
and the pictures of the latest results kept for the page.

Every refusal is an :class:`~sign2gpt.serve.uploads.UploadError` carrying its status, which the
route in app.py answers as JSON.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections import OrderedDict
from pathlib import Path

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from sign2gpt.data.frames import OverBudget, WorkBudget
from sign2gpt.errors import DataError
from sign2gpt.serve.engine import Engine, EngineResult
from sign2gpt.serve.guard import BodyStalled, BodyTooLarge, limited_receive
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

RESULT_FILES = ("contact_sheet.png", "heatmap.png")
BODY_SLACK = 1 * MB  # multipart framing around the file bytes (part headers, boundaries)


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


class ClientGone(Exception):
    pass


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
        receive = limited_receive(request.receive, self.body_limit, self.limits.body_timeout)
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
