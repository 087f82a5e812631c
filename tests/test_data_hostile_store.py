"""`prepare` into a folder it cannot write: a full disk, a read-only folder. One DataError line
naming the folder, no temporary file, no DONE; a finished store needs no write at all."""

import builtins
import errno
import json
import os
import stat
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from data_fixtures import file_permissions_bind, run_python, write_phoenix14t

import sign2gpt.data.clip_file as clip_file_mod
import sign2gpt.data.prepare as prepare_mod
from sign2gpt.cli import main
from sign2gpt.data.prepare import prepare_store
from sign2gpt.data.readers import read_dataset
from sign2gpt.data.store import FrameStore
from sign2gpt.errors import DataError


class _Filling:
    """A file on a disk that fills up: half of the first write lands, then ENOSPC."""

    def __init__(self, f) -> None:
        self.f = f

    def write(self, data):
        self.f.write(data[: len(data) // 2])
        self.f.flush()
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.f.close()

    def __getattr__(self, name: str):
        return getattr(self.f, name)


def _store_open(monkeypatch: pytest.MonkeyPatch, fake_open: Callable) -> None:
    """``fake_open`` as ``open`` of the modules that write a store (clip files, the rest)."""
    for module in (clip_file_mod, prepare_mod):
        monkeypatch.setattr(module, "open", fake_open, raising=False)


def _full_disk(full: Callable[[Path], bool]):
    """``open`` for the store modules: files for which ``full(path)`` hit a full disk."""

    def fake_open(file, mode="r", *args, **kwargs):
        f = builtins.open(file, mode, *args, **kwargs)  # noqa: SIM115 (the caller closes it)
        return _Filling(f) if any(c in mode for c in "wax") and full(Path(file)) else f

    return fake_open


def _tree(path: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(p.relative_to(path)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(path.rglob("*"))
        if p.is_file()
    }


def _leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.rglob("*") if ".tmp" in p.name)


@pytest.mark.parametrize("workers", [1, 2])
def test_disk_full_mid_run_is_one_line_and_the_next_run_finishes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys, workers: int
):
    corpus = tmp_path / "corpus"
    write_phoenix14t(corpus)
    records = read_dataset("phoenix14t", corpus)
    reference = tmp_path / "reference"
    prepare_store(records, reference, size=32, workers=1, progress=False)

    out = tmp_path / "store"
    # clips in order: a, b, c (no readable frame: skipped), d, e; the disk fills at clip_d
    _store_open(monkeypatch, _full_disk(lambda p: p.name.startswith("clip_d")))
    argv = ["prepare", "--dataset", "phoenix14t", "--root", str(corpus), "--out", str(out)]
    argv += ["--size", "32", "--workers", str(workers), "--quiet"]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        f"sign2gpt prepare: error: {out}: cannot write the store: no space left on device"
    ]
    assert not (out / "DONE").exists() and _leftovers(out) == []
    made = FrameStore(out, require_complete=False)
    assert {c["id"] for c in made.clips} <= {"clip_a", "clip_b", "clip_e"}
    if workers == 1:  # in order: the two clips before clip_d
        assert [c["id"] for c in made.clips] == ["clip_a", "clip_b"]
    with pytest.raises(DataError, match="store is incomplete"):
        FrameStore(out)

    monkeypatch.undo()  # space again
    summary = prepare_store(records, out, size=32, workers=workers, progress=False)
    assert summary.clips_used == 4 and (out / "DONE").is_file()
    store, ref = FrameStore(out), FrameStore(reference)
    for clip in ref.clips:
        assert np.array_equal(store.read_frames(clip["id"]), ref.read_frames(clip["id"]))


@pytest.mark.parametrize("where", ["meta.json", "index.jsonl", "DONE"])
def test_disk_full_at_meta_index_or_done_leaves_nothing_that_looks_complete(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
):
    corpus = tmp_path / "corpus"
    write_phoenix14t(corpus)
    records = read_dataset("phoenix14t", corpus)
    out = tmp_path / "store"
    _store_open(monkeypatch, _full_disk(lambda p: p.name.startswith(where)))
    with pytest.raises(DataError, match=rf"^{out}: cannot write the store: no space left"):
        prepare_store(records, out, size=32, workers=1, progress=False)
    assert not (out / "DONE").exists() and _leftovers(out) == []
    if where == "meta.json":
        assert not (out / "meta.json").exists()  # never half a meta.json
    monkeypatch.undo()
    summary = prepare_store(records, out, size=32, workers=1, progress=False)
    assert summary.clips_used == 4 and FrameStore(out).stats["clips_used"] == 4
    # a cut index line (full disk while appending it) is dropped and its clip redone; a full
    # disk at DONE had made every clip
    assert summary.made_now == (0 if where == "DONE" else 4)


def test_a_finished_store_is_not_written_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Root-proof: every write the store modules could make raises; a re-run has none to make
    (the fixture's clip_c has no readable frame and is tried again: that is a read)."""
    corpus = tmp_path / "corpus"
    write_phoenix14t(corpus)
    records = read_dataset("phoenix14t", corpus)
    out = tmp_path / "store"
    prepare_store(records, out, size=32, workers=1, progress=False)
    before = _tree(out)

    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(args[0]))

    def read_only_open(file, mode="r", *args, **kwargs):
        if any(c in mode for c in "wax+"):
            refuse(file)
        return builtins.open(file, mode, *args, **kwargs)

    _store_open(monkeypatch, read_only_open)
    for name in ("replace", "unlink", "rename", "rmdir"):
        monkeypatch.setattr(os, name, refuse)
    summary = prepare_store(records, out, size=32, workers=1, progress=False)
    assert summary.made_now == 0 and summary.done_before == 4 and len(summary.skipped) == 1
    monkeypatch.undo()
    assert _tree(out) == before


def _make_read_only(path: Path) -> None:
    for p in [path, *path.rglob("*")]:
        p.chmod(0o555 if p.is_dir() else 0o444)


def _make_writable(path: Path) -> None:
    for p in [path, *path.rglob("*")]:
        p.chmod(0o755 if p.is_dir() else 0o644)


def test_read_only_out_folder(tmp_path: Path):
    """With real file permissions: as an ordinary user chmod binds; as root the child process
    first drops the capabilities that ignore it (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH)."""
    reason = file_permissions_bind()
    if reason:
        print(f"skipped: {reason}")
        pytest.skip(reason)
    corpus = tmp_path / "corpus"
    write_phoenix14t(corpus)
    records = read_dataset("phoenix14t", corpus)
    finished, unfinished = tmp_path / "finished", tmp_path / "unfinished"
    prepare_store(records, finished, size=32, workers=1, progress=False)
    prepare_store(records[:2], unfinished, size=32, workers=1, progress=False)
    (unfinished / "meta.json").write_text((finished / "meta.json").read_text())
    (unfinished / "DONE").unlink()
    locked = tmp_path / "locked"
    locked.mkdir()
    for path in (finished, unfinished, locked):
        _make_read_only(path)
    before = {p: _tree(p) for p in (finished, unfinished)}
    code = f"""
import contextlib, io, json
from sign2gpt.cli import main
result = {{}}
for out in {[str(finished), str(unfinished), str(locked / "new")]!r}:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        rc = main(["prepare", "--dataset", "phoenix14t", "--root", {str(corpus)!r},
                   "--out", out, "--size", "32", "--workers", "1", "--quiet"])
    result[out] = [rc, err.getvalue().strip().splitlines()]
print(json.dumps(result))
"""
    try:
        run = run_python(code, timeout=120, obey_file_permissions=True)
    finally:
        for path in (finished, unfinished, locked):
            _make_writable(path)
    assert run.returncode == 0, run.stderr[-2000:]
    result = json.loads(run.stdout.splitlines()[-1])
    # finished: nothing to do, and it succeeds
    assert result[str(finished)] == [0, []]
    # not finished: one line naming the folder, nothing changed
    rc, err = result[str(unfinished)]
    assert rc == 2 and len(err) == 1
    assert err[0].startswith(
        f"sign2gpt prepare: error: {unfinished}: cannot write the store: permission denied"
    )
    # a new store under a folder that cannot be written
    new = locked / "new"
    assert result[str(new)] == [
        2,
        [f"sign2gpt prepare: error: {new}: cannot write the store: permission denied"],
    ]
    for path, tree in before.items():
        assert _tree(path) == tree
    assert not new.exists()
    assert stat.S_IMODE(finished.stat().st_mode) == 0o755  # restored for tmp_path cleanup
