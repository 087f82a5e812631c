"""Weight files other users can read, and read errors that give the true reason
(sign2gpt.io, used by the feature store)."""

import json
import os
import stat
from pathlib import Path

import pytest
import torch
from data_fixtures import file_permissions_bind, run_python

from sign2gpt.data.features import FeatureStoreWriter, read_index
from sign2gpt.errors import CheckpointError, DataError
from sign2gpt.io import check_readable, load_safetensors, save_safetensors, umask_mode


@pytest.fixture
def umask():
    """Set the process umask for one test, and restore it."""
    old = os.umask(0o022)
    os.umask(old)
    yield lambda mask: os.umask(mask)
    os.umask(old)


@pytest.mark.parametrize("mask", [0o022, 0o027, 0o002])
def test_saved_weights_get_the_umask_permissions(tmp_path: Path, umask, mask: int):
    umask(mask)
    assert umask_mode() == 0o666 & ~mask
    path = tmp_path / "w.safetensors"
    tensors = {"a": torch.arange(6.0).reshape(2, 3), "b": torch.ones(4, dtype=torch.int64)}
    save_safetensors(tensors, path, metadata={"stage": "pgp"})
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask  # safetensors alone: 0o600
    back = load_safetensors(path)
    assert back.keys() == tensors.keys()
    assert all(torch.equal(back[k], tensors[k]) for k in tensors)
    assert os.listdir(tmp_path) == ["w.safetensors"]  # no temporary left


def test_a_failed_save_names_the_file_and_leaves_the_old_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    import safetensors.torch
    from safetensors import SafetensorError

    path = tmp_path / "w.safetensors"
    save_safetensors({"a": torch.zeros(2)}, path)

    def disk_full(tensors, filename, metadata=None):  # half a file, then what safetensors says
        Path(filename).write_bytes(b"\x00" * 10)
        raise SafetensorError("Error while serializing: I/O error: No space left on device")

    monkeypatch.setattr(safetensors.torch, "save_file", disk_full)
    with pytest.raises(
        CheckpointError, match=rf"^{path}: cannot write \(no space left on device\)$"
    ):
        save_safetensors({"a": torch.ones(2)}, path, error=CheckpointError)
    monkeypatch.undo()
    assert torch.equal(load_safetensors(path)["a"], torch.zeros(2))
    assert os.listdir(tmp_path) == ["w.safetensors"]
    with pytest.raises(DataError, match=r": cannot write \(no such file or directory\)$"):
        save_safetensors({"a": torch.zeros(2)}, tmp_path / "missing" / "w.safetensors")


def test_read_errors_give_the_true_reason(tmp_path: Path):
    with pytest.raises(DataError, match=rf"^{tmp_path / 'none'}: safetensors file not found$"):
        load_safetensors(tmp_path / "none")
    with pytest.raises(CheckpointError, match=r": not a regular file \(a directory\)$"):
        load_safetensors(tmp_path, error=CheckpointError)
    os.mkfifo(tmp_path / "fifo")  # never opened: opening it would wait for a writer
    with pytest.raises(DataError, match=r": not a regular file \(a FIFO\)$"):
        check_readable(tmp_path / "fifo")
    (tmp_path / "junk.safetensors").write_bytes(b"\x00" * 20)
    with pytest.raises(DataError, match=r"junk.safetensors: not a readable safetensors file"):
        load_safetensors(tmp_path / "junk.safetensors")


def test_an_unreadable_file_says_permission_denied(tmp_path: Path):
    reason = file_permissions_bind()
    if reason:
        print(f"skipped: {reason}")
        pytest.skip(reason)
    path = tmp_path / "w.safetensors"
    save_safetensors({"a": torch.zeros(2)}, path)
    path.chmod(0o000)
    code = f"""
from sign2gpt.io import load_safetensors
from sign2gpt.errors import DataError
try:
    load_safetensors({str(path)!r})
except DataError as exc:
    print(exc)
"""
    run = run_python(code, timeout=60, obey_file_permissions=True)
    path.chmod(0o644)
    assert run.returncode == 0, run.stderr[-2000:]
    uid = path.stat().st_uid
    assert run.stdout.strip() == (
        f"{path}: cannot read safetensors file: permission denied (mode 0000, owner uid {uid})"
    )


def test_feature_shards_can_be_read_by_another_user(tmp_path: Path, umask):
    umask(0o022)
    folder = tmp_path / "features"
    writer = FeatureStoreWriter(folder, {"checkpoint": "ckpt"}, shard_clips=2)
    for i in range(3):
        row = {"id": f"c{i}", "split": "train", "signer": "s", "text": "t", "view": 0}
        writer.add(row, torch.full((i + 1, 4), float(i)))
    writer.flush()
    shards = sorted(folder.glob("shard-*.safetensors"))
    assert [p.name for p in shards] == ["shard-00000.safetensors", "shard-00001.safetensors"]
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o644 for p in shards)
    assert not [p for p in folder.iterdir() if ".tmp" in p.name]
    assert [r["id"] for r in read_index(folder)] == ["c0", "c1", "c2"]
    reason = file_permissions_bind()
    if reason or os.geteuid() != 0:
        return  # the mode is what another user's read depends on; checked above
    # as root: hand the folder to another owner and read it as a process that obeys permissions
    for p in [folder, *folder.iterdir()]:
        os.chown(p, 65534, 65534)
    code = f"""
import json
from sign2gpt.io import load_safetensors
print(json.dumps(load_safetensors({str(shards[1])!r})["z"].tolist()))
"""
    run = run_python(code, timeout=60, obey_file_permissions=True)
    assert run.returncode == 0, run.stderr[-2000:]
    assert json.loads(run.stdout) == [[2.0] * 4] * 3
