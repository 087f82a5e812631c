"""`sign2gpt serve` through FastAPI's test client: translations equal the CLI's, every bad upload
gets its status and a one-line JSON error, the limits hold, uploads leave no file behind and one
clip runs at a time."""

from __future__ import annotations

import io
import json
import os
import re
import threading
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("fastapi", reason="sign2gpt serve needs the `serve` extra")
pytest.importorskip("fastapi_offline", reason="sign2gpt serve needs the `serve` extra")

from data_fixtures import encode, frame_pixels
from fastapi.testclient import TestClient
from PIL import Image
from serve_fixtures import build_checkpoints, write_clip, write_faststart_mp4

from sign2gpt.cli import main
from sign2gpt.serve.app import create_app
from sign2gpt.serve.engine import Engine, EngineResult
from sign2gpt.serve.jobs import JobQueue, JobState, QueueFull, TicketInUse
from sign2gpt.serve.sheet import COLUMNS, GAP, LABEL, TILE, contact_sheet, pick_evenly
from sign2gpt.serve.uploads import MB, ServeLimits, safe_name

BASE = "http://127.0.0.1"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("serve")
    translate, pgp = build_checkpoints(root / "ckpt")
    clips = root / "clips"
    return {
        "root": root,
        "translate": translate,
        "pgp": pgp,
        "a": write_clip(clips / "clip_a.mp4", clip=1, num_frames=20),
        "b": write_clip(clips / "clip_b.mp4", clip=4, num_frames=9),
    }


@pytest.fixture(scope="module")
def engine(world: dict[str, Path]) -> Engine:
    return Engine(world["translate"], heatmap_checkpoint=world["pgp"])


def client_for(engine: Engine, work: Path, **limits: float) -> TestClient:
    app = create_app(engine, ServeLimits(**limits), work_dir=work, allowed_hosts=["127.0.0.1"])
    return TestClient(app, base_url=BASE, raise_server_exceptions=False)


@pytest.fixture(scope="module")
def client(engine: Engine, tmp_path_factory: pytest.TempPathFactory):
    with client_for(engine, tmp_path_factory.mktemp("work")) as c:
        yield c


def post(client: TestClient, *files: tuple[str, bytes], **kw):
    return client.post("/api/translate", files=[("file", f) for f in files], **kw)


def cli_sentence(checkpoint: Path, clip: Path, capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    assert main(["translate", "--checkpoint", str(checkpoint), str(clip)]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith(str(clip)))
    return line.split("\t", 1)[1]


def assert_error(response, status: int, pattern: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert list(body) == ["error"] and re.search(pattern, body["error"]), body
    assert "Traceback" not in body["error"] and "\n" not in body["error"]


# ---- good clips ---------------------------------------------------------------------------


def test_translation_equals_the_cli_and_comes_with_its_pictures(world, client, capsys):
    texts = []
    for key, frames in (("a", 20), ("b", 9)):
        clip = world[key]
        response = post(client, (clip.name, clip.read_bytes()))
        assert response.status_code == 200, response.text
        r = response.json()
        expected = cli_sentence(world["translate"], clip, capsys)
        assert r["text"] == expected and expected
        assert r["file"] == clip.name
        assert r["decoded_frames"] == frames and r["sampled_frames"] == -(-frames // 2)  # stride 2
        assert r["clip_seconds"] == pytest.approx(frames / 25, abs=0.05)
        assert r["seconds"] > 0 and r["queued_seconds"] >= 0
        sheet = client.get(r["contact_sheet_url"])
        assert sheet.status_code == 200 and sheet.headers["content-type"] == "image/png"
        columns = min(COLUMNS, r["sampled_frames"])
        rows = -(-r["sampled_frames"] // columns)
        width, height = Image.open(io.BytesIO(sheet.content)).size
        assert (width, height) == (
            columns * TILE + (columns + 1) * GAP,
            rows * (TILE + LABEL) + (rows + 1) * GAP,
        )
        heatmap = client.get(r["heatmap_url"])
        assert heatmap.status_code == 200 and heatmap.content[:8] == b"\x89PNG\r\n\x1a\n"
        texts.append(r["text"])
    assert texts[0] != texts[1]  # the sentence depends on the clip: the comparison means something


def test_frames_as_a_zip_or_as_image_files_translate_like_the_folder(
    world, client, tmp_path, capsys
):
    folder = tmp_path / "frames"
    folder.mkdir()
    images = [(f"img{i}.png", encode(frame_pixels(2, i, 40, 30), "PNG")) for i in range(12)]
    for name, data in images:
        (folder / name).write_bytes(data)
    expected = cli_sentence(world["translate"], folder, capsys)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in reversed(images):  # the order in the zip does not matter
            z.writestr(f"frames/{name}", data)
        z.writestr("__MACOSX/frames/._img0.png", b"junk")
        z.writestr("frames/notes.txt", b"ignored")
    r = post(client, ("frames.zip", buf.getvalue()))
    assert r.status_code == 200, r.text
    assert r.json()["text"] == expected and r.json()["decoded_frames"] == 12
    assert "clip_seconds" not in r.json()  # frames have no frame rate
    # several image parts: a frame folder sent from the page (img2 before img10: name order)
    r = post(client, *images[::-1], data={"name": "my clip/x"})
    assert r.status_code == 200, r.text
    assert r.json()["text"] == expected and r.json()["decoded_frames"] == 12
    assert r.json()["file"] == "x"  # the name the page sends, reduced to a plain name


def test_health_reports_the_model_and_limits(world, client):
    h = client.get("/api/health").json()
    assert h["status"] == "ok"
    assert h["checkpoint"] == str(world["translate"].resolve())
    assert h["heatmap_checkpoint"] == str(world["pgp"].resolve())
    assert h["device"] == "cpu" and h["lang"] == "de" and h["num_beams"] == 2
    assert h["model"].startswith("Sign2GPT")
    assert h["limits"] == {
        "max_upload_mb": 200.0,
        "max_seconds": 60.0,
        "max_frames": 1500,
        "max_megapixels": 2000.0,
        "max_decode_seconds": 30.0,
        "max_waiting": 8,
    }
    assert h["sampling"] == {"frame_stride": 2, "max_frames": 256}
    assert h["queue"] == {"running": False, "waiting": 0}


# ---- bad uploads --------------------------------------------------------------------------


def test_bad_uploads_get_400_with_one_json_line_and_the_server_goes_on(world, client, tmp_path):
    good = world["a"].read_bytes()
    moov_last = good[: len(good) // 2]  # the index is written last: the cut file has none
    faststart = write_faststart_mp4(tmp_path / "fast.mp4", clip=1, num_frames=20).read_bytes()
    cut_fast = faststart[: len(faststart) * 2 // 3]  # index first: it opens, frames missing
    assert post(client, ("fast.mp4", faststart)).status_code == 200  # whole, it is fine

    assert_error(post(client, ("notes.txt", b"hello\n")), 400, r"^notes\.txt: not a video")
    assert_error(post(client, ("clip.mp4", b"hello\n" * 50)), 400, r"^clip\.mp4: not a readable")
    assert_error(post(client, ("clip.mp4", b"")), 400, r"^clip\.mp4: empty file$")
    assert_error(post(client, ("cut.mp4", moov_last)), 400, r"^cut\.mp4: not a readable video")
    assert_error(post(client, ("cut.mp4", cut_fast)), 400, r"^cut\.mp4: truncated.* of the 20")
    assert_error(post(client, ("a.zip", b"PK\x03\x04broken")), 400, r"a\.zip: not a readable zip")
    empty_zip = io.BytesIO()
    with zipfile.ZipFile(empty_zip, "w") as z:
        z.writestr("readme.txt", "no frames")
    assert_error(post(client, ("a.zip", empty_zip.getvalue())), 400, r"holds no image frames")
    assert_error(post(client, ("x.png", b"not a png")), 400, r"^x\.png: none of its 1 frames")
    png = encode(frame_pixels(0, 0, 8, 8), "PNG")
    assert_error(post(client, ("1.png", png), ("c.mp4", good)), 400, r"c\.mp4: several files")
    assert_error(post(client, ("1.png", png), ("1.png", png)), 400, r"1\.png: sent twice")
    other = {"other": ("o.txt", b"x")}
    r = client.post("/api/translate", data={"file": "text"}, files=other)
    assert_error(r, 400, r"field `file` must hold a file")
    assert_error(client.post("/api/translate", files=other), 400, r"^no file in the upload")
    assert_error(client.post("/api/translate", json={"file": 1}), 400, r"multipart/form-data")
    headers = {"content-type": "multipart/form-data; boundary=zzz"}
    assert_error(client.post("/api/translate", content=b"garbage", headers=headers), 400, "")
    assert_error(client.post("/api/translate?ticket=no%20spaces"), 400, r"ticket")
    assert_error(client.get("/api/nothing"), 404, r"Not Found")
    assert_error(client.get("/api/translate"), 405, r"Method Not Allowed")
    assert_error(client.get("/api/results/0123456789abcdef/heatmap.png"), 404, r"no result")
    assert_error(client.get("/api/health", headers={"host": "evil.example"}), 400, r"evil")

    assert client.get("/api/health").json()["status"] == "ok"
    assert post(client, ("clip_a.mp4", good)).status_code == 200


def test_limits_give_413(engine, world, tmp_path):
    good = world["a"].read_bytes()  # 20 frames, 0.8 s
    with client_for(engine, tmp_path, max_upload_bytes=len(good) - 1) as c:
        # the file is over the limit, the request body (limit + 1 MB of slack) is not
        assert_error(post(c, ("a.mp4", good)), 413, r"^a\.mp4: .*larger than .* limit")
        big = b"\0" * (2 * MB)
        assert_error(post(c, ("big.mp4", big)), 413, r"larger than")  # by its Content-Length

        def chunks():  # no Content-Length: counted as it arrives
            yield b"--b\r\nContent-Disposition: form-data; name=file; filename=x.mp4\r\n\r\n"
            for _ in range(3):
                yield b"\0" * MB
            yield b"\r\n--b--\r\n"

        headers = {"content-type": "multipart/form-data; boundary=b"}
        response = c.post("/api/translate", content=chunks(), headers=headers)
        assert "content-length" not in response.request.headers
        assert_error(response, 413, r"larger than")
    with client_for(engine, tmp_path, max_frames=19) as c:
        assert_error(post(c, ("a.mp4", good)), 413, r"limit of 19 frames \(--max-frames\)")
        frames = [(f"{i}.png", encode(frame_pixels(0, i, 8, 8), "PNG")) for i in range(20)]
        assert_error(post(c, *frames), 413, r"20 frames, more than .* 19")
        assert post(c, *frames[:19]).status_code == 200
    with client_for(engine, tmp_path, max_seconds=0.5) as c:
        assert_error(post(c, ("a.mp4", good)), 413, r"longer than .* 0\.5 s \(--max-seconds\)")
        assert post(c, ("b.mp4", world["b"].read_bytes())).status_code == 200  # 0.36 s


def test_uploads_are_deleted_after_each_request_and_the_rest_at_shutdown(engine, world, tmp_path):
    c = client_for(engine, tmp_path, keep_results=2)
    with c:
        work = c.app.state.work_dir
        assert work.parent == tmp_path
        seen: set[str] = set()
        for body in (world["a"].read_bytes(), b"junk", world["b"].read_bytes(), b""):
            post(c, ("clip.mp4", body))
            # nothing of any upload is left, good or bad
            assert list((work / "uploads").iterdir()) == []
            for path in work.rglob("*"):
                seen.add(path.name)
                assert path.is_dir() or path.suffix == ".png", path
        r = post(c, ("clip.mp4", world["a"].read_bytes())).json()
        assert len(list((work / "results").iterdir())) == 2  # keep_results
        assert {p.name for p in (work / "results" / r["id"]).iterdir()} == {
            "contact_sheet.png",
            "heatmap.png",
        }
        assert "clip.mp4" not in seen
    assert not work.exists()


# ---- one model run at a time --------------------------------------------------------------


class GatedEngine:
    """The real engine behind a gate the test opens, to hold a job in the model."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.info = engine.info
        self.entered = threading.Event()
        self.gate = threading.Event()

    def translate(self, source: Path, out_dir: Path, budget=None) -> EngineResult:
        self.entered.set()
        assert self.gate.wait(30)
        return self.engine.translate(source, out_dir, budget)


def test_a_second_upload_waits_and_says_it_is_queued(engine, world, tmp_path):
    gated = GatedEngine(engine)
    app = create_app(gated, ServeLimits(max_waiting=1), tmp_path, ["127.0.0.1"])  # type: ignore[arg-type]
    results: dict[str, object] = {}
    with TestClient(app, base_url=BASE) as c:

        def upload(ticket: str, key: str) -> None:
            results[ticket] = post(
                c, (f"{key}.mp4", world[key].read_bytes()), params={"ticket": ticket}
            )

        first = threading.Thread(target=upload, args=("first", "a"))
        first.start()
        assert gated.entered.wait(30)
        assert c.get("/api/jobs/first").json() == {"state": "running", "ahead": 0}
        second = threading.Thread(target=upload, args=("second", "b"))
        second.start()
        deadline = time.monotonic() + 30
        while c.get("/api/jobs/second").json()["state"] != "queued":
            assert time.monotonic() < deadline
            time.sleep(0.02)
        assert c.get("/api/jobs/second").json() == {"state": "queued", "ahead": 1}
        assert c.get("/api/health").json()["queue"] == {"running": True, "waiting": 1}
        # a third finds the line full (max_waiting=1); a reused ticket is refused
        assert_error(post(c, ("a.mp4", world["a"].read_bytes())), 503, r"the line is full")
        r = post(c, ("a.mp4", world["a"].read_bytes()), params={"ticket": "second"})
        assert_error(r, 400, r"ticket 'second' is in use")
        gated.gate.set()
        first.join(30)
        second.join(30)
    assert results["first"].status_code == results["second"].status_code == 200  # type: ignore[attr-defined]
    assert results["second"].json()["queued_seconds"] > 0  # type: ignore[attr-defined]
    assert c.app.state.queue.status("second").state is JobState.UNKNOWN


class BrokenEngine(GatedEngine):
    """An engine with a bug on every other call."""

    calls = 0

    def translate(self, source: Path, out_dir: Path, budget=None) -> EngineResult:
        self.calls += 1
        if self.calls % 2:
            raise RuntimeError("a bug in the model code")
        return self.engine.translate(source, out_dir, budget)


def test_a_bug_is_one_line_500_and_the_server_goes_on(engine, world, tmp_path, caplog):
    app = create_app(BrokenEngine(engine), None, tmp_path, ["127.0.0.1"])  # type: ignore[arg-type]
    with TestClient(app, base_url=BASE) as c:
        clip = ("clip_a.mp4", world["a"].read_bytes())
        assert_error(post(c, clip), 500, r"^clip_a\.mp4: internal error \(RuntimeError\)")
        assert "a bug in the model code" in caplog.text  # the traceback goes to the log
        assert post(c, clip).status_code == 200
        assert len(list((c.app.state.work_dir / "results").iterdir())) == 1  # the failed one went


def test_job_queue_runs_in_arrival_order_on_one_thread():
    import asyncio

    queue = JobQueue(max_waiting=2)
    order: list[str] = []
    threads: set[str] = set()
    started, release = threading.Event(), threading.Event()

    def job(name: str):
        def fn() -> str:
            threads.add(threading.current_thread().name)
            order.append(name)
            if name == "a":
                started.set()
                assert release.wait(10)
            return name

        return fn

    async def scenario() -> list[str]:
        tasks = [asyncio.create_task(queue.run("a", job("a")))]
        while not started.is_set():
            await asyncio.sleep(0.005)
        tasks += [asyncio.create_task(queue.run(n, job(n))) for n in "bc"]
        await asyncio.sleep(0)
        assert queue.load() == (True, 2)
        assert queue.status("c").state is JobState.QUEUED and queue.status("c").ahead == 2
        with pytest.raises(QueueFull):
            await queue.run("d", job("d"))
        with pytest.raises(TicketInUse):
            await queue.run("a", job("a"))
        release.set()
        return await asyncio.gather(*tasks)

    assert asyncio.run(scenario()) == ["a", "b", "c"]
    assert order == ["a", "b", "c"] and len(threads) == 1
    assert queue.load() == (False, 0)
    queue.close()


# ---- the pieces ---------------------------------------------------------------------------


def test_contact_sheet_places_evenly_spread_frames_in_order():
    assert pick_evenly(5, 24).tolist() == [0, 1, 2, 3, 4]
    assert pick_evenly(10, 4).tolist() == [0, 3, 6, 9]
    frames = np.stack([np.full((20, 30, 3), 10 * i, np.uint8) for i in range(10)])
    sheet = np.asarray(contact_sheet(frames, np.arange(10) * 2, max_tiles=4, columns=3))
    assert sheet.shape == (2 * (TILE + LABEL) + 3 * GAP, 3 * TILE + 4 * GAP, 3)
    centres = [(0, 0), (0, 1), (0, 2), (1, 0)]  # tiles of frames 0, 3, 6, 9
    for (r, c), level in zip(centres, (0, 30, 60, 90)):
        y, x = GAP + r * (TILE + LABEL + GAP) + TILE // 2, GAP + c * (TILE + GAP) + TILE // 2
        assert sheet[y, x].tolist() == [level] * 3
    with pytest.raises(ValueError, match="T > 0"):
        contact_sheet(np.zeros((0, 4, 4, 3), np.uint8))


def test_safe_name_keeps_only_a_plain_file_name():
    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name("C:\\Users\\me\\clip 1.mp4") == "clip 1.mp4"
    assert safe_name("..") == "upload" and safe_name(None) == "upload"
    assert safe_name("a<b>|c.webm") == "a_b__c.webm"


def test_page_and_docs_load_nothing_from_outside(client):
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "default-src 'self'" in page.headers["content-security-policy"]
    for url in re.findall(r'(?:src|href)="([^"]+)"', page.text):
        assert url.startswith("/"), url
        assert client.get(url).status_code == 200, url
    for asset in ("/static/app.js", "/static/style.css", "/static/favicon.svg"):
        body = client.get(asset).text
        assert not re.search(r"(url\(|@import|https?://)(?!www\.w3\.org/2000/svg)", body), asset
    docs = client.get("/docs").text
    assert "/static-offline-docs/swagger-ui-bundle.js" in docs and "cdn" not in docs
    assert client.get("/redoc").status_code == 404  # ReDoc would fetch its logo from a CDN
    spec = client.get("/openapi.json").json()
    body = spec["paths"]["/api/translate"]["post"]["requestBody"]["content"]
    assert "file" in body["multipart/form-data"]["schema"]["properties"]
    assert {"400", "413", "503"} <= set(spec["paths"]["/api/translate"]["post"]["responses"])


def test_serve_refuses_a_public_host_without_allow_remote(world, capsys):
    argv = ["serve", "--checkpoint", str(world["translate"]), "--host", "0.0.0.0"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "--allow-remote" in err and "Traceback" not in err and len(err.splitlines()) == 1
    assert main(["serve", "--checkpoint", str(world["translate"]), "--max-frames", "0"]) == 2
    assert "--max-frames must be positive" in capsys.readouterr().err


# ---- the real clip ------------------------------------------------------------------------


def real_clip() -> Path:
    data = os.environ.get("SIGN2GPT_TEST_DATA")
    if not data:
        pytest.skip("SIGN2GPT_TEST_DATA is not set (the folder holding real-clip/)")
    path = Path(data) / "real-clip" / "signing_clip.mp4"
    if not path.is_file():
        pytest.skip(f"{path} not found")
    return path


def test_the_real_signing_clip_is_decoded_whole_and_translated(client):
    clip = real_clip()
    data = clip.read_bytes()
    r = post(client, (clip.name, data))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["decoded_frames"] == 58 and body["sampled_frames"] == 29
    assert body["clip_seconds"] == pytest.approx(58 / 29.97, abs=0.05)
    assert isinstance(body["text"], str)
    assert json.loads(json.dumps(body)) == body
    assert_error(post(client, (clip.name, data[: len(data) // 2])), 400, r"truncated")


def test_a_pose_model_takes_a_keypoint_file(world, tmp_path, capsys):
    from serve_fixtures import build_pose_checkpoint, write_keypoints

    checkpoint = build_pose_checkpoint(tmp_path / "ckpt")
    clip = write_keypoints(tmp_path / "clip.npz", num_frames=14, seed=5)
    engine = Engine(checkpoint)
    (tmp_path / "work").mkdir()
    (tmp_path / "work2").mkdir()
    with client_for(engine, tmp_path / "work") as client:
        assert client.get("/api/health").json()["input"] == "pose"
        r = post(client, (clip.name, clip.read_bytes()))
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["text"] == cli_sentence(checkpoint, clip, capsys)
        assert body["decoded_frames"] == 14 and body["sampled_frames"] == 7
        sheet = client.get(body["contact_sheet_url"])  # the keypoints, drawn
        assert sheet.status_code == 200 and sheet.headers["content-type"] == "image/png"
        assert_error(post(client, ("bad.npz", b"PK\x03\x04 not a zip")), 400, r"bad\.npz")
    # an RGB model given keypoints says what it reads
    with client_for(Engine(world["translate"]), tmp_path / "work2") as client:
        assert_error(post(client, (clip.name, clip.read_bytes())), 400, r"reads rgb")
