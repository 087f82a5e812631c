"""Reading annotation tables (CSV / TSV / pipe-separated / JSONL) with errors that name the file."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sign2gpt.errors import DataError


def _open_text(path: Path) -> str:
    if not path.is_file():
        raise DataError(f"{path}: annotation file not found")
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror})") from None


class TableRow(dict[str, Any]):
    """One row of an annotation table: column -> value, and ``line``, its line number in the
    file (1 = the first line), for messages."""

    line: int = 0


_DELIMITERS = {",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe"}


def _delimiter_hint(header: list[str], delimiter: str, required: list[str]) -> str:
    """'; ...separated by '|', not ','' when the header reads right with another delimiter."""
    if len(header) != 1:
        return ""
    for other, name in _DELIMITERS.items():
        columns = [c.strip() for c in header[0].split(other)]
        if other != delimiter and all(c in columns for c in required):
            return (
                f"; this file looks {name}-separated, the columns must be separated by "
                f"{delimiter!r}"
            )
    return ""


def check_columns(
    path: Path, header: Iterable[str], required: Iterable[str], delimiter: str | None = None
) -> None:
    header, required = list(header), list(required)
    for column in required:
        if column not in header:
            hint = _delimiter_hint(header, delimiter, required) if delimiter else ""
            raise DataError(
                f"{path}: missing column '{column}' (found: {', '.join(header) or 'nothing'})"
                + hint
            )


def read_table(
    path: str | Path, delimiter: str, required: Iterable[str] = (), quoting: bool = True
) -> list[TableRow]:
    """Rows of a delimited text file with a header line, as dicts keyed by column name (with
    their line number).

    ``quoting=False`` for corpora whose fields contain quote characters that are not quoting
    (Phoenix14T's ``|``-separated CSVs)."""
    path = Path(path)
    lines = _open_text(path).splitlines()
    reader = csv.reader(
        lines, delimiter=delimiter, quoting=csv.QUOTE_MINIMAL if quoting else csv.QUOTE_NONE
    )
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise DataError(f"{path}: empty file (expected a header line)") from None
    check_columns(path, header, required, delimiter)
    rows = []
    for fields in reader:
        if not fields or all(not f.strip() for f in fields):
            continue
        if len(fields) != len(header):
            raise DataError(
                f"{path}: line {reader.line_num} has {len(fields)} fields, the header has "
                f"{len(header)}"
            )
        row = TableRow((h, f.strip()) for h, f in zip(header, fields))
        row.line = reader.line_num
        rows.append(row)
    return rows


def read_jsonl(path: str | Path, required: Iterable[str] = ()) -> list[TableRow]:
    """Rows of a JSON-lines file (one object a line), with their line number."""
    path = Path(path)
    rows = []
    required = list(required)
    for number, line in enumerate(_open_text(path).splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(f"{path}: line {number} is not JSON ({exc.msg})") from None
        if not isinstance(row, dict):
            raise DataError(f"{path}: line {number} is not a JSON object")
        for column in required:
            if column not in row:
                raise DataError(f"{path}: line {number} lacks column '{column}'")
        row = TableRow(row)
        row.line = number
        rows.append(row)
    return rows


def parse_seconds(value: object, path: Path, column: str, row_id: str) -> float | None:
    """A float number of seconds, or None for an empty cell."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise DataError(f"{path}: clip {row_id}: {column} {value!r} is not a number") from None
