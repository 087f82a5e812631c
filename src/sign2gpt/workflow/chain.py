"""Steps run in order, each once per output, timed, with one progress line each."""

from __future__ import annotations

import enum
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import ParamSpec, TypeVar

from sign2gpt.errors import Sign2GPTError
from sign2gpt.io import describe_os_error

P = ParamSpec("P")
T = TypeVar("T")


def describe_call(
    step: Callable[..., object], args: Sequence[object], kwargs: Mapping[str, object]
) -> str:
    """``train_stage(configs/demo/pretrain.yaml, data.root=corpus ..., stage=pgp)``: what the
    progress line says a step runs. A list of overrides is written out as a command line takes
    it; a config or another object only by its type, a whole config would fill the screen."""

    def show(value: object) -> str:
        if isinstance(value, list | tuple):
            return " ".join(show(v) for v in value)
        if isinstance(value, enum.Enum):
            return str(value.value)
        if value is None or isinstance(value, str | int | float | Path):
            return str(value)
        return type(value).__name__

    shown = [show(a) for a in args] + [f"{k}={show(v)}" for k, v in kwargs.items()]
    return f"{getattr(step, '__name__', 'step')}({', '.join(shown)})"


class StepChain:
    """Runs steps in order: ``== title: step(arguments)`` before each, its seconds recorded in
    :attr:`seconds` under its title (and added to :attr:`spent`). :meth:`once` skips a step
    whose done-file exists (``== title: done already (file)``), so an interrupted chain
    continues where it stopped. A step that fails raises one :class:`Sign2GPTError` naming the
    chain, the step and the reason."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.seconds: dict[str, float] = {}
        self.spent = 0.0

    def run(self, title: str, step: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        print(f"== {title}: {describe_call(step, args, kwargs)}", flush=True)
        start = time.perf_counter()
        try:
            return step(*args, **kwargs)
        except Sign2GPTError as exc:
            raise Sign2GPTError(f"{self.name} step '{title}' failed: {exc}") from exc
        except OSError as exc:  # a full disk, a folder turned read-only: its file, no traceback
            reason = describe_os_error(exc)
            raise Sign2GPTError(f"{self.name} step '{title}' failed: {reason}") from exc
        finally:
            spent = time.perf_counter() - start
            self.seconds[title] = spent
            self.spent += spent

    def once(
        self, title: str, done: Path, step: Callable[P, T], *args: P.args, **kwargs: P.kwargs
    ) -> T | None:
        """:meth:`run`, unless ``done`` exists: then nothing runs and None is returned."""
        if done.exists():
            print(f"== {title}: done already ({done})", flush=True)
            return None
        return self.run(title, step, *args, **kwargs)
