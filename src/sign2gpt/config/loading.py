"""Loading and saving a :class:`~sign2gpt.config.sections.Config`: YAML (with ``defaults:``
chains) and dotted command-line overrides in, every value converted to its field's type and
checked against its range, resolved YAML out."""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from pathlib import Path
from typing import Any, Literal, TypeVar, Union, get_args, get_origin

import yaml

from sign2gpt.config.fields import Bounds, ConfigError
from sign2gpt.config.sections import Config

T = TypeVar("T")


def _shown(value: Any, limit: int = 60) -> str:
    """``repr(value)``, cut to ``limit`` characters (a 4000-digit integer stays one short line)."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**limit:
        return f"an integer of {int(abs(value).bit_length() * 0.30103) + 1} digits"
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 3]}..."


def _convert(value: Any, tp: Any, where: str) -> Any:
    origin = get_origin(tp)
    if tp is Any:
        return value
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        if isinstance(value, tp):
            return value
        try:
            return tp(value)
        except ValueError:
            known = [m.value for m in tp]
            raise ConfigError(f"{where}: {value!r} is not one of {known}") from None
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a mapping, got {value!r}")
        return _from_dict(tp, value, where)
    if origin is Literal:
        if value not in get_args(tp):
            raise ConfigError(f"{where}: {value!r} is not one of {list(get_args(tp))}")
        return value
    if origin in (Union, types.UnionType):
        errors = []
        for arg in get_args(tp):
            if arg is type(None) and value is None:
                return None
            try:
                return _convert(value, arg, where)
            except ConfigError as exc:
                errors.append(str(exc))
        raise ConfigError(f"{where}: {value!r} does not fit {tp}")
    if origin in (list, tuple):
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{where}: expected a list, got {value!r}")
        args = get_args(tp)
        if origin is tuple and args and args[-1] is not Ellipsis:
            if len(value) != len(args):
                raise ConfigError(f"{where}: expected {len(args)} values, got {len(value)}")
            return tuple(
                _convert(v, a, f"{where}[{i}]") for i, (v, a) in enumerate(zip(value, args))
            )
        item = args[0] if args else Any
        out = [_convert(v, item, f"{where}[{i}]") for i, v in enumerate(value)]
        return tuple(out) if origin is tuple else out
    if tp is float:
        try:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                return float(value)  # YAML reads 3e-4 as a string
            return float(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{where}: expected a number, got {_shown(value)}") from None
        except OverflowError:  # an integer of hundreds of digits
            raise ConfigError(f"{where}: {_shown(value)} is too large for a number") from None
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where}: expected an integer, got {_shown(value)}")
        if not -(2**63) <= value < 2**63:  # torch, numpy and file formats hold 64 bits
            raise ConfigError(f"{where}: {_shown(value)} is out of range (a 64-bit integer)")
        return value
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: expected true or false, got {value!r}")
        return value
    if tp is str:
        if value is None:
            return ""
        if not isinstance(value, (str, int, float)):
            raise ConfigError(f"{where}: expected a string, got {value!r}")
        return str(value)
    return value


def _from_dict(cls: type[T], data: dict[str, Any], where: str = "") -> T:
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(data) - names)
    if unknown:
        prefix = f"{where}." if where else ""
        raise ConfigError(f"unknown key {prefix}{unknown[0]} (known: {', '.join(sorted(names))})")
    kwargs = {}
    for key, value in data.items():
        kwargs[key] = _convert(value, hints[key], f"{where}.{key}" if where else key)
    return cls(**kwargs)


def from_dict(cls: type[T], data: dict[str, Any]) -> T:
    """Build dataclass ``cls`` from a nested dict, checking every key, type and range."""
    obj = _from_dict(cls, data or {})
    validate(obj)
    return obj


def _check_bounds(obj: Any, where: str) -> None:
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        key = f"{where}.{f.name}" if where else f.name
        if dataclasses.is_dataclass(value):
            _check_bounds(value, key)
            continue
        bounds: Bounds | None = f.metadata.get("bounds")
        if bounds is None:
            continue
        numbers = value if isinstance(value, (list, tuple)) else [value]
        for number in numbers:
            if isinstance(number, (int, float)) and not bounds.holds(number):
                raise ConfigError(
                    f"{key}: {value!r} is out of range (allowed: {bounds.describe()})"
                )


def validate(cfg: object) -> None:
    """Every range declared with :func:`setting`, and that ranges given as (low, high) are in
    order; a :class:`ConfigError` names the key and what is allowed. Rules that tie the sizes
    of parts together are checked where the parts are built."""
    _check_bounds(cfg, "")
    if not isinstance(cfg, Config):
        return
    for key, section, name in (
        ("data.augment", cfg.data.augment, "crop_scale"),
        ("data.augment", cfg.data.augment, "crop_ratio"),
        ("data.pose_augment", cfg.data.pose_augment, "scale"),
    ):
        low, high = getattr(section, name)
        if low > high:
            raise ConfigError(f"{key}.{name}: {low} > {high} (need low <= high)")


def to_dict(obj: Any) -> dict[str, Any]:
    """Plain nested dict (tuples as lists) suitable for YAML."""

    def plain(v: Any) -> Any:
        if isinstance(v, enum.Enum):
            return v.value
        if isinstance(v, (list, tuple)):
            return [plain(x) for x in v]
        if isinstance(v, dict):
            return {k: plain(x) for k, x in v.items()}
        return v

    return plain(dataclasses.asdict(obj))


def _set_dotted(data: dict[str, Any], dotted: str, value: Any) -> None:
    keys = dotted.split(".")
    node = data
    for key in keys[:-1]:
        node = node.setdefault(key, {})
        if not isinstance(node, dict):
            raise ConfigError(f"override {dotted}: {key} is not a section")
    node[keys[-1]] = value


def parse_yaml(text: str, where: str) -> Any:
    """YAML text parsed with the safe loader (tags that would build Python objects are
    refused), or one :class:`ConfigError` line starting with ``where``: malformed YAML, a tag
    the safe loader refuses, nesting deeper than the parser's recursion, an integer of more
    digits than Python converts."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None)
        mark = getattr(exc, "problem_mark", None)
        at = f", line {mark.line + 1}" if mark is not None else ""
        reason = f"{exc.__class__.__name__}: {problem}{at}" if problem else exc.__class__.__name__
        raise ConfigError(f"{where}: not valid YAML ({reason[:200]})") from None
    except RecursionError:
        raise ConfigError(f"{where}: not readable YAML (nested too deep)") from None
    except ValueError as exc:  # "Exceeds the limit (4300 digits) for integer string ..."
        raise ConfigError(f"{where}: not readable YAML ({str(exc).split(':')[0]})") from None


def parse_overrides(overrides: list[str]) -> dict[str, Any]:
    """``["train.lr=1e-4", "data.batch_size=4"]`` -> nested dict (values parsed as YAML)."""
    nested: dict[str, Any] = {}
    for item in overrides:
        if "=" not in item:
            raise ConfigError(f"override {_shown(item)} must look like key.sub=value")
        key, raw = item.split("=", 1)
        value = parse_yaml(raw, f"override {key.strip()}") if raw != "" else ""
        _set_dotted(nested, key.strip(), value)
    return nested


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def read_yaml(path: str | Path, _chain: tuple[Path, ...] = ()) -> dict[str, Any]:
    """A recipe as a nested dict, its ``base:`` chain merged in (paths relative to the file)."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found")
    if path.resolve() in _chain:
        cycle = " -> ".join(str(p) for p in (*_chain, path.resolve()))
        raise ConfigError(f"{path}: base: chain includes itself ({cycle})")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read ({exc.__class__.__name__})") from None
    data = parse_yaml(text, str(path)) or {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: top level must be a mapping")
    base = data.pop("base", None)
    # One base or a list, merged left to right, then this file on top (e.g. a corpus recipe
    # and an LM from configs/lm/).
    bases = base if isinstance(base, list) else [base] if base else []
    merged: dict[str, Any] = {}
    for item in bases:
        if not isinstance(item, str):
            raise ConfigError(f"{path}: base: must be a file name or a list of them")
        merged = _merge(merged, read_yaml(path.parent / item, (*_chain, path.resolve())))
    return _merge(merged, data) if bases else data


def _migrate(data: dict[str, Any], where: str) -> dict[str, Any]:
    """Keys of configs written by earlier versions (checkpoint folders keep theirs), moved to
    where they live now: ``data.mean`` / ``data.std`` (the backbone's normalisation) are
    ``model.spatial.mean`` / ``std``; ``data.bucket_by_length`` (never read) is dropped."""
    section = data.get("data")
    if not isinstance(section, dict):
        return data
    section.pop("bucket_by_length", None)
    moved = {k: section.pop(k) for k in ("mean", "std") if k in section}
    if moved:
        spatial = data.setdefault("model", {}).setdefault("spatial", {})
        if not isinstance(spatial, dict):
            raise ConfigError(f"{where}model.spatial: expected a mapping")
        for key, value in moved.items():
            spatial.setdefault(key, value)
    return data


def load_config(path: str | Path | None = None, overrides: list[str] | None = None) -> Config:
    """Defaults <- YAML file (with ``base:`` chains) <- dotted overrides, checked."""
    where = f"{path}: " if path else ""
    data = read_yaml(path) if path else {}
    data = _migrate(_merge(data, parse_overrides(overrides or [])), where)
    try:
        return from_dict(Config, data)
    except ConfigError as exc:
        raise ConfigError(f"{where}{exc}") from None


def save_config(cfg: Config, path: str | Path) -> None:
    Path(path).write_text(yaml.safe_dump(to_dict(cfg), sort_keys=False), encoding="utf-8")
