"""Reading annotation tables (CSV / TSV / pipe-separated / JSONL) with errors that name the file."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path

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


def check_columns(path: Path, header: Iterable[str], required: Iterable[str]) -> None:
    header = list(header)
    for column in required:
        if column not in header:
            raise DataError(
                f"{path}: missing column '{column}' (found: {', '.join(header) or 'nothing'})"
            )


def read_table(
    path: str | Path, delimiter: str, required: Iterable[str] = (), quoting: bool = True
) -> list[dict[str, str]]:
    """Rows of a delimited text file with a header line, as dicts keyed by column name.

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
    check_columns(path, header, required)
    rows = []
    for fields in reader:
        if not fields or all(not f.strip() for f in fields):
            continue
        if len(fields) != len(header):
            raise DataError(
                f"{path}: line {reader.line_num} has {len(fields)} fields, the header has "
                f"{len(header)}"
            )
        rows.append({h: f.strip() for h, f in zip(header, fields)})
    return rows


def read_jsonl(path: str | Path, required: Iterable[str] = ()) -> list[dict]:
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
