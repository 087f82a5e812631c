"""Weight files (safetensors) written with the usual permissions and read with true errors.

Every layer that writes tensors (feature stores, checkpoints, the pretrained LM) goes through
:func:`save_safetensors`, and every layer that reads them through :func:`load_safetensors`:

- safetensors' ``save_file`` writes a temporary file of mode 0600 and renames it into place,
  whatever the umask, so a store or checkpoint made by one user (or in one container) cannot
  be read by another. :func:`save_safetensors` gives the file ``0o666 & ~umask`` (what
  ``open`` would have made) before its own atomic rename.
- safetensors' ``load_file`` reports "No such file or directory" for a file that exists but
  cannot be read. :func:`check_readable` asks the operating system first, so the error says
  "permission denied" and shows the mode and owner.

Errors are raised as the caller's :class:`~sign2gpt.errors.Sign2GPTError` class (DataError for
stores, CheckpointError for checkpoints), one line naming the file.
"""

from __future__ import annotations

import json
import os
import re
import stat
import struct
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from tqdm import tqdm

from sign2gpt.errors import DataError, Sign2GPTError

if TYPE_CHECKING:
    import torch

ErrorType = type[Sign2GPTError]


def parse_json(text: str, where: str, error: ErrorType = DataError) -> object:
    """JSON text parsed, or one ``error`` line starting with ``where``: malformed JSON, nesting
    deeper than the parser's recursion (a RecursionError otherwise), an integer of more digits
    than Python converts (a ValueError otherwise)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise error(f"{where}: not valid JSON ({exc.msg}, line {exc.lineno})") from None
    except RecursionError:
        raise error(f"{where}: not readable JSON (nested too deep)") from None
    except ValueError as exc:  # e.g. "Exceeds the limit (4300 digits) for integer string ..."
        raise error(f"{where}: not readable JSON ({str(exc).split(':')[0]})") from None


def os_reason(exc: OSError) -> str:
    """The operating system's reason in lower case: 'permission denied', 'no space left on
    device', ... (the exception's class name when it has no strerror)."""
    reason = exc.strerror or exc.__class__.__name__
    return reason[:1].lower() + reason[1:]


def describe_os_error(exc: OSError) -> str:
    """``<file>: <reason>`` of a failed system call, for the one line a user reads."""
    where = exc.filename if exc.filename is not None else "a file"
    return f"{where}: {os_reason(exc)}"


def umask_mode() -> int:
    """The permission bits a new file gets from ``open``: 0o666 & ~umask.

    Read from /proc/self/status where Linux offers it; otherwise by setting and restoring the
    umask (not atomic, but no other thread of ours creates files at that moment)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def check_readable(path: str | Path, error: ErrorType = DataError, what: str = "file") -> Path:
    """``path`` if it is a regular file this process may read; else ``error`` with the true
    reason (not found, not a regular file, permission denied with the mode and owner). Never
    opens anything but a regular file (a FIFO would block, a device never end)."""
    path = Path(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise error(f"{path}: {what} not found") from None
    except OSError as exc:
        raise error(f"{path}: cannot read {what} ({os_reason(exc)})") from None
    if not stat.S_ISREG(info.st_mode):
        raise error(f"{path}: not a regular file (a {file_kind(info.st_mode)})")
    try:
        os.close(os.open(path, os.O_RDONLY))
    except PermissionError:
        raise error(
            f"{path}: cannot read {what}: permission denied (mode "
            f"{stat.S_IMODE(info.st_mode):04o}, owner uid {info.st_uid})"
        ) from None
    except OSError as exc:
        raise error(f"{path}: cannot read {what} ({os_reason(exc)})") from None
    return path


def writable_folder(path: str | Path, error: ErrorType = DataError, what: str = "folder") -> Path:
    """``path`` created if needed and proven writable (a probe file made and removed), before a
    command does any work; else ``error`` with the reason (read-only file system, permission
    denied, a file in the way, no space left)."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
        fd, probe = _probe(path)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise error(f"{path}: cannot write the {what} ({os_reason(exc)})") from None
    return path


def _probe(folder: Path) -> tuple[int, str]:
    import tempfile

    return tempfile.mkstemp(prefix=".sign2gpt-probe-", dir=folder)


def file_kind(mode: int) -> str:
    """'directory', 'FIFO', 'character device', ... for ``st_mode``."""
    kinds = (
        (stat.S_ISDIR, "directory"),
        (stat.S_ISFIFO, "FIFO"),
        (stat.S_ISCHR, "character device"),
        (stat.S_ISBLK, "block device"),
        (stat.S_ISSOCK, "socket"),
    )
    return next((name for test, name in kinds if test(mode)), "special file")


def _sort_metadata(path: Path) -> None:
    """Put the header's metadata in key order, in place. safetensors writes it in the order of
    a Rust hash map, which changes from process to process: without this, two runs that save
    the same tensors would write different bytes. The header keeps its length and format."""
    with path.open("r+b") as f:
        size = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(size))
        meta = header.get("__metadata__")
        if not meta:
            return
        header["__metadata__"] = dict(sorted(meta.items()))
        text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        if len(text) > size:  # pragma: no cover - the same keys and values, reordered
            return
        f.seek(8)
        f.write(text.ljust(size, b" "))


def save_safetensors(
    tensors: Mapping[str, torch.Tensor],
    path: str | Path,
    metadata: Mapping[str, str] | None = None,
    error: ErrorType = DataError,
) -> Path:
    """Write ``tensors`` to ``path`` atomically (a reader sees the old file or the whole new
    one), with mode 0o666 & ~umask and the data on disk before the rename. A failed write
    (full disk, read-only folder) raises ``error`` naming the file and leaves no temporary."""
    from safetensors import SafetensorError
    from safetensors.torch import save_file

    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        save_file(dict(tensors), str(tmp), metadata=dict(metadata) if metadata else None)
        _sort_metadata(tmp)
        os.chmod(tmp, umask_mode())
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except (OSError, SafetensorError) as exc:
        tmp.unlink(missing_ok=True)
        reason = os_reason(exc) if isinstance(exc, OSError) else _serialize_reason(exc)
        raise error(f"{path}: cannot write ({reason})") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def _serialize_reason(exc: Exception) -> str:
    """The operating system's reason inside safetensors' 'Error while serializing: I/O error:
    No space left on device (os error 28) at path ...', in lower case; else the message."""
    found = re.search(r"I/O error: (.+?)(?: \(os error \d+\)|$)", str(exc))
    if not found:
        return str(exc)
    return found.group(1)[:1].lower() + found.group(1)[1:]


def load_safetensors(
    path: str | Path, error: ErrorType = DataError, what: str = "safetensors file"
) -> dict[str, torch.Tensor]:
    """All tensors of a safetensors file; ``error`` with the true reason when it is missing,
    unreadable (permission denied) or not a safetensors file. Loading never runs code."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    path = check_readable(path, error, what)
    try:
        return load_file(str(path))
    except (SafetensorError, OSError, ValueError) as exc:
        raise error(f"{path}: not a readable {what} ({exc})") from None


ItemT = TypeVar("ItemT")

# A bar redrawn every 0.1 s is right on a terminal; into a log file (a pipe, CI, nohup) each
# redraw is another carriage-return update, thousands per run: there, one every 30 s.
LOG_FILE_INTERVAL_S = 30.0


def progress_bar(iterable: Iterable[ItemT] | None = None, **options: object) -> tqdm[ItemT]:
    """A tqdm progress bar (``options`` as tqdm's), sparse when stderr is not a terminal."""
    if not sys.stderr.isatty():
        options.setdefault("mininterval", LOG_FILE_INTERVAL_S)
    return tqdm(iterable, **options)  # type: ignore[arg-type]
