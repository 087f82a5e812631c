"""Reading annotation tables (CSV / TSV / pipe-separated / JSONL) with errors that name the file."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sign2gpt.errors import DataError
from sign2gpt.io import parse_json


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


def _one_line(path: Path, line: int, column: str, value: object) -> None:
    """A line break inside a field (quoted, in CSV; escaped, in JSON) would break every file
    that holds one sentence or one clip per line (hypotheses, references, stores): refused."""
    if isinstance(value, str) and ("\n" in value or "\r" in value):
        raise DataError(
            f"{path}: line {line}: column '{column}' holds a line break; give each field on "
            "one line"
        )


def read_table(
    path: str | Path, delimiter: str, required: Iterable[str] = (), quoting: bool = True
) -> list[TableRow]:
    """Rows of a delimited text file with a header line, as dicts keyed by column name (with
    their line number). A quoted field may span lines in CSV; here it is refused (see
    :func:`_one_line`), as is a field over the csv module's limit (131,072 characters).

    ``quoting=False`` for corpora whose fields contain quote characters that are not quoting
    (Phoenix14T's ``|``-separated CSVs)."""
    path = Path(path)
    reader = csv.reader(
        io.StringIO(_open_text(path), newline=""),
        delimiter=delimiter,
        quoting=csv.QUOTE_MINIMAL if quoting else csv.QUOTE_NONE,
    )
    try:
        header = [h.strip() for h in next(reader)]
        check_columns(path, header, required, delimiter)
        rows = []
        for fields in reader:
            if not fields or all(not f.strip() for f in fields):
                continue
            start = reader.line_num - sum(f.count("\n") for f in fields)  # where the row began
            if len(fields) != len(header):
                raise DataError(
                    f"{path}: line {start} has {len(fields)} fields, the header has {len(header)}"
                )
            for column, value in zip(header, fields):
                _one_line(path, start, column, value)
            row = TableRow((h, f.strip()) for h, f in zip(header, fields))
            row.line = start
            rows.append(row)
    except StopIteration:
        raise DataError(f"{path}: empty file (expected a header line)") from None
    except csv.Error as exc:
        raise DataError(f"{path}: line {reader.line_num}: not readable ({exc})") from None
    return rows


def read_jsonl(path: str | Path, required: Iterable[str] = ()) -> list[TableRow]:
    """Rows of a JSON-lines file (one object a line), with their line number."""
    path = Path(path)
    rows = []
    required = list(required)
    for number, line in enumerate(_open_text(path).splitlines(), 1):
        if not line.strip():
            continue
        row = parse_json(line, f"{path}: line {number}")
        if not isinstance(row, dict):
            raise DataError(f"{path}: line {number} is not a JSON object")
        for column in required:
            if column not in row:
                raise DataError(f"{path}: line {number} lacks column '{column}'")
        for column, value in row.items():
            _one_line(path, number, column, value)
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
