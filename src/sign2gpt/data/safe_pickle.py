"""A pickle loader that cannot run code.

A pickle may name any importable callable (``os.system``, ``subprocess.Popen``...) and have the
loader call it. Dataset annotation files (CSL-Daily's ``csl2020ct_v2.pkl``) need only plain
containers, strings and numbers, so every global except a few container types is refused.
"""

from __future__ import annotations

import io
import pickle
from pathlib import Path
from typing import Any

from sign2gpt.errors import DataError

# Protocols 0-2 build sets and ordered dicts by calling these; they run no user code.
_ALLOWED_GLOBALS = {
    ("builtins", "set"),
    ("builtins", "frozenset"),
    ("builtins", "dict"),
    ("builtins", "list"),
    ("builtins", "tuple"),
    ("collections", "OrderedDict"),
    ("__builtin__", "set"),  # pickles written by Python 2
    ("__builtin__", "frozenset"),
    ("_codecs", "encode"),  # protocols 0-2 store bytes as encode(str, "latin1")
}


class _RefusedGlobal(Exception):
    pass


class RestrictedUnpickler(pickle.Unpickler):
    """Unpickler that resolves only plain container types; anything else is refused."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED_GLOBALS:
            return super().find_class(module, name)
        raise _RefusedGlobal(f"{module}.{name}")

    def persistent_load(self, pid: Any) -> Any:
        raise _RefusedGlobal(f"persistent id {pid!r}")


def safe_loads(data: bytes, where: str = "<bytes>") -> Any:
    """Unpickle ``data``, allowing only dicts, lists, tuples, sets, str, bytes, numbers, bool
    and None."""
    try:
        return RestrictedUnpickler(io.BytesIO(data), encoding="utf-8").load()
    except _RefusedGlobal as exc:
        raise DataError(
            f"{where}: refused to load: the pickle asks for {exc}, but a dataset file may hold "
            "only plain containers, strings and numbers"
        ) from None
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError) as exc:
        raise DataError(
            f"{where}: not a readable pickle ({exc.__class__.__name__}: {exc})"
        ) from None


def safe_load(path: str | Path) -> Any:
    """Load a pickle file with :func:`safe_loads`; a missing file is a DataError naming it."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror})") from None
    return safe_loads(data, str(path))
