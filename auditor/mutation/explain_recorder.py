"""The explanation worker's recorder: a mutated function's calls, as its tests make them.

Loaded by :mod:`auditor.mutation.explain_worker` (which runs the recording
runs) in the project's interpreter; it imports nothing from the auditor.
mutmut 3 routes every mutated function through one trampoline
(``mutmut.mutation.trampoline.wrap_in_trampoline``, imported by each
generated module as ``_mutmut_mutated``); the trampoline picks the original
or the active mutant from ``MUTANT_UNDER_TEST``. :func:`install` replaces
``wrap_in_trampoline`` *before* the tests import the code, with a wrapper
around mutmut's own that records, for the functions of the run
(:func:`begin`), each call's arguments, return value or exception, the state
of its arguments after the call, the other mutated functions it called, what
it sent to the test doubles it can reach (mock arguments and mock attributes
of arguments, such as ``self.db``), the calling test and the line of that
test the call came from. No file is edited. :class:`Plugin` names the
running test and counts its passing assertions; :func:`document` is what a
run writes. Recording is bounded: calls and bytes per function (the shared
run of the original records every explained function, each within its own
share), characters per repr.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import reprlib
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the project's interpreter may be older than ParamSpec
    from collections.abc import Callable
    from typing import ParamSpec, TypeVar

    _P = ParamSpec("_P")
    _R = TypeVar("_R")

_SECRET = re.compile(r"pass(word|wd)?|token|secret|key|credential|auth", re.IGNORECASE)
# object addresses and mock ids differ between two runs of the same code
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+| id='\d+'")
_LIMITS = {"max_calls": 50, "repr_chars": 240, "max_bytes": 400_000}
_STATE: dict[str, Any] = {
    "test": "",
    "test_file": "",
    "calls": [],
    "nested": None,
    "assertions": {},
    "outcomes": {},
    # per function: the one run of the original records every explained function, and
    # one function's many calls must not use up the others' share
    "bytes": {},
    "truncated": set(),  # functions whose recording was cut at a limit
    "modules": set(),  # modules of the functions recorded in this run
    "functions": set(),  # function keys (``function_key``) recorded in this run
    "per_function": {},  # calls recorded per function (bounded by max_calls)
    "mutant_name": "",  # mutant runs: e.g. x_price__mutmut_3
    "mutated_code": None,  # that mutant's code object, once found
    "mutated_lines": set(),  # its lines that differ from the original's
    "reached": False,  # did a recorded call run one of those lines
    "busy": False,  # the recorder itself is calling repr: nothing is noted or recorded
}


def _unobserved(work: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run the recorder's own ``repr`` work unseen: a ``__repr__`` of the project's is a
    mutated function too, and the recorder calling it is not a call the code made."""

    def quietly(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        busy = _STATE["busy"]
        _STATE["busy"] = True
        try:
            return work(*args, **kwargs)
        finally:
            _STATE["busy"] = busy

    return quietly


@_unobserved
def _short(value: Any, name: str = "") -> str:
    """A short repr safe to show: secrets by name and unprintable values by type only."""
    if name and _SECRET.search(name):
        return f"<{type(value).__name__}>"
    limiter = reprlib.Repr()
    limiter.maxstring = limiter.maxother = int(_LIMITS["repr_chars"])
    limiter.maxlist = limiter.maxdict = limiter.maxtuple = limiter.maxset = 6
    try:
        text = limiter.repr(value)
    except Exception:  # a user __repr__ may raise anything
        return f"<{type(value).__name__}>"
    text = _ADDRESS.sub("", text)
    if len(text) > int(_LIMITS["repr_chars"]):
        text = text[: int(_LIMITS["repr_chars"]) - 3] + "..."
    return text


_SALT = os.urandom(16)  # drawn once before the forks: digests compare across this job's runs only
_DIGEST_CHARS = 1_000_000


@_unobserved
def _digest(value: Any) -> str:
    """A keyed digest of the *full* repr: the comparison must not depend on what was cut."""
    try:
        text = repr(value)
    except Exception:  # a user __repr__ may raise anything
        text = f"<{type(value).__name__}>"
    text = _ADDRESS.sub("", text[:_DIGEST_CHARS])
    return hmac.new(_SALT, text.encode("utf-8", "replace"), hashlib.sha256).hexdigest()[:16]


def _is_double(value: Any) -> bool:
    mock = sys.modules.get("unittest.mock")
    return mock is not None and isinstance(value, mock.NonCallableMock)


def _full_state(value: Any) -> Any:
    if _is_double(value):
        return None  # its call record holds clock readings; what it received is compared apart
    attrs = getattr(value, "__dict__", None)
    if isinstance(attrs, dict):
        return sorted(attrs.items(), key=lambda item: str(item[0]))
    if isinstance(value, (list, dict, set, bytearray)):
        return value
    return None


def _state_parts(values: list[Any]) -> dict[str, str]:
    """A digest per argument attribute (``0.count``) or per container argument (``1``), so
    a part that differs between two runs of the original leaves the others comparable."""
    parts: dict[str, str] = {}
    for index, value in enumerate(values):
        state = _full_state(value)
        if state is None:
            continue
        if isinstance(getattr(value, "__dict__", None), dict):  # (name, value) pairs
            for name, item in state[:50]:
                parts[f"{index}.{name}"] = _digest(item)
        else:  # a container's contents
            parts[str(index)] = _digest(state)
    return parts


@_unobserved
def _state_of(value: Any) -> str:
    """What a call could change in an argument: its attributes, or its contents."""
    if _is_double(value):
        return ""
    attrs = getattr(value, "__dict__", None)
    if isinstance(attrs, dict):
        shown = ", ".join(f"{k}={_short(v, k)}" for k, v in list(attrs.items())[:8])
        return f"{type(value).__name__}({shown})"
    if isinstance(value, (list, dict, set, bytearray)):
        return _short(value)
    return ""


def _doubles(named: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """The test doubles a call can talk to: mock arguments and mock attributes of arguments
    (``self.db`` in a method), each with the name it is reached by."""
    found: list[tuple[str, Any]] = []
    seen: set[int] = set()
    for position, (parameter, value) in enumerate(named):
        owner = parameter or f"arg{position}"
        reachable = [(owner, value)]
        attrs = getattr(value, "__dict__", None)
        if isinstance(attrs, dict) and not _is_double(value):
            prefix = "" if owner == "self" else f"{owner}."
            reachable += [(f"{prefix}{k}", v) for k, v in list(attrs.items())[:50]]
        for name, candidate in reachable:
            if _is_double(candidate) and id(candidate) not in seen:
                seen.add(id(candidate))
                found.append((name, candidate))
    return found


def _comparable(value: Any) -> Any:
    """A value as two runs can compare it: clock readings by type (and zone) only, since
    the two runs read the clock at different times."""
    import datetime

    if isinstance(value, datetime.datetime):
        return f"<datetime tzinfo={value.tzinfo!r}>"
    if isinstance(value, (datetime.date, datetime.time)):
        return f"<{type(value).__name__}>"
    if isinstance(value, (list, tuple)):
        return [_comparable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _comparable(v) for k, v in value.items()}
    return value


def _double_calls(doubles: list[tuple[str, Any]], before: list[int]) -> tuple[list[str], str]:
    """What the call sent to each test double (shown, and a digest of all of it)."""
    shown: list[str] = []
    compared: list[Any] = []
    for (name, double), start in zip(doubles, before, strict=True):
        for made in list(double.mock_calls)[start:]:
            try:
                method, args, kwargs = made
            except (TypeError, ValueError):
                continue
            target = f"{name}.{method}" if method else name
            if len(shown) < 20:
                parts = [_short(a) for a in args]
                parts += [f"{k}={_short(v, k)}" for k, v in kwargs.items()]
                shown.append(f"{target}({', '.join(parts)})")
            compared.append((target, _comparable(list(args)), _comparable(dict(kwargs))))
    return shown, _digest(compared)


def _call_site() -> tuple[int, int]:
    """(line in the running test's file the call came from, frames between it and the call)."""
    frame: Any = sys._getframe(2)
    depth = 0
    test_file = _STATE["test_file"]
    while frame is not None:
        filename = frame.f_code.co_filename
        if test_file and os.path.abspath(filename) == test_file:
            return frame.f_lineno, depth
        if "mutmut" not in filename and filename != __file__:
            depth += 1
        frame = frame.f_back
    return 0, depth


def _parameter_names(func: Any, count: int) -> list[str]:
    code = getattr(func, "__code__", None)
    names = list(code.co_varnames[: code.co_argcount]) if code is not None else []
    return (names + [""] * count)[:count]


def function_key(mutant_key: str) -> str:
    """``pkg.mod.xǁBoxǁgrow`` of the mutant ``pkg.mod.xǁBoxǁgrow__mutmut_3``."""
    return mutant_key.rsplit("__mutmut_", 1)[0]


def _function_of(module: str, mutants_dict: dict[str, Any]) -> str:
    original = mutants_dict.get("_mutmut_orig")
    name = str(getattr(original, "__name__", ""))
    return f"{module}.{name.removesuffix('__mutmut_orig')}"


def _mutated_lines(mutants_dict: dict[str, Any]) -> None:
    """Find the active mutant's code and the lines where it differs from the original."""
    import difflib
    import inspect

    mutated = mutants_dict.get(_STATE["mutant_name"])
    original = mutants_dict.get("_mutmut_orig")
    try:
        old, _ = inspect.getsourcelines(original)  # type: ignore[arg-type]
        new, start = inspect.getsourcelines(mutated)  # type: ignore[arg-type]
    except (OSError, TypeError):
        return
    lines: set[int] = set()
    matcher = difflib.SequenceMatcher(a=old[1:], b=new[1:], autojunk=False)  # past the def line
    for tag, _i1, _i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            lines.update(range(start + 1 + j1, start + 1 + max(j2, j1 + 1)))
    _STATE["mutated_code"] = getattr(mutated, "__code__", None)
    _STATE["mutated_lines"] = lines


def _line_tracer(frame: Any, event: str, arg: Any) -> Any:
    if event == "line" and frame.f_lineno in _STATE["mutated_lines"]:
        _STATE["reached"] = True
    return _line_tracer


def _call_tracer(frame: Any, event: str, arg: Any) -> Any:
    return _line_tracer if frame.f_code is _STATE["mutated_code"] else None


def _traced(call: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Run the call, noting whether the mutant's changed lines run (mutant runs only)."""
    if _STATE["mutated_code"] is None or _STATE["reached"]:
        return call(*args, **kwargs)
    previous = sys.gettrace()
    sys.settrace(_call_tracer)
    try:
        return call(*args, **kwargs)
    finally:
        sys.settrace(previous)


def _record(
    function: str,
    func: Any,
    call: Any,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    mutants_dict: dict[str, Any],
) -> Any:
    if _STATE["mutant_name"] and _STATE["mutated_code"] is None:
        _mutated_lines(mutants_dict)
    recorded = _STATE["per_function"]
    if recorded.get(function, 0) >= int(_LIMITS["max_calls"]) or function in _STATE["truncated"]:
        _STATE["truncated"].add(function)
        return call(*args, **kwargs)
    recorded[function] = recorded.get(function, 0) + 1
    names = _parameter_names(func, len(args))
    line, depth = _call_site()
    entry: dict[str, Any] = {
        # the input, in full: calls are compared only when both runs gave the same one
        "args_digest": _digest((args, sorted(kwargs.items()))),
        "function": function,
        "test": _STATE["test"],
        "args": [_short(a, n) for a, n in zip(args, names, strict=True)],
        "kwargs": {k: _short(v, k) for k, v in sorted(kwargs.items())},
        "test_line": line,
        "depth": depth,
        "nested": [],
    }
    doubles = _doubles([*zip(names, args, strict=True), *kwargs.items()])
    sent_before = [len(d.mock_calls) for _, d in doubles]
    outer = _STATE["nested"]
    _STATE["nested"] = entry["nested"]
    try:
        result = _traced(call, args, kwargs)
    except BaseException as exc:
        entry["raised"] = f"{type(exc).__name__}: {_short(str(exc))}"
        entry["raised_digest"] = _digest((type(exc).__qualname__, str(exc)))
        raise
    else:
        entry["returned"] = _short(result)
        entry["returned_digest"] = _digest(result)
        return result
    finally:
        _STATE["nested"] = outer
        _finish(entry, function, [*args, *kwargs.values()], doubles, sent_before)


def _finish(
    entry: dict[str, Any],
    function: str,
    values: list[Any],
    doubles: list[tuple[str, Any]],
    sent_before: list[int],
) -> None:
    """Note the arguments' state and what was sent to doubles, and keep the entry if it
    fits. A failure here is the recorder's, never the test's: the entry is dropped."""
    try:
        entry["after"] = [_state_of(v) for v in values]
        entry["after_parts"] = _state_parts(values)  # what the comparison reads
        if doubles:
            entry["sent"], entry["sent_digest"] = _double_calls(doubles, sent_before)
        size = len(json.dumps(entry))
    except Exception:  # an odd object the recorder cannot walk: this call is not kept
        _STATE["truncated"].add(function)
        return
    used = _STATE["bytes"].get(function, 0)
    if used + size > int(_LIMITS["max_bytes"]):
        _STATE["truncated"].add(function)
    else:
        _STATE["bytes"][function] = used + size
        _STATE["calls"].append(entry)


def install() -> None:
    """Wrap mutmut's trampoline factory so the target function's calls are recorded."""
    from mutmut.mutation import trampoline

    original_factory = trampoline.wrap_in_trampoline

    def wrap_in_trampoline(mutants_dict: dict[str, Any], is_classmethod: bool = False) -> Any:
        decorate = original_factory(mutants_dict, is_classmethod)

        def recording(func: Any) -> Any:
            wrapped = decorate(func)
            if getattr(func, "__code__", None) is not None and func.__code__.co_flags & 0x2A0:
                return wrapped  # generators and coroutines: not recorded (see docs)
            module = getattr(func, "__module__", "")

            def boundary(*args: Any, **kwargs: Any) -> Any:
                if _STATE["busy"]:
                    return wrapped(*args, **kwargs)
                # a direct call from a recorded call: noted there, whether or not it is
                # recorded itself (the original run records every explained function)
                nested = _STATE["nested"]
                if nested is not None and len(nested) < 20:
                    nested.append(f"{func.__qualname__}({', '.join(_short(a) for a in args)})")
                if module in _STATE["modules"]:
                    function = _function_of(module, mutants_dict)
                    if function in _STATE["functions"]:
                        return _record(function, func, wrapped, args, kwargs, mutants_dict)
                _STATE["nested"] = None  # only direct calls are noted
                try:
                    return wrapped(*args, **kwargs)
                finally:
                    _STATE["nested"] = nested

            for attr in ("__name__", "__qualname__", "__doc__", "__module__", "__wrapped__"):
                if hasattr(wrapped, attr):
                    setattr(boundary, attr, getattr(wrapped, attr))
            return boundary

        return recording

    trampoline.wrap_in_trampoline = wrap_in_trampoline


class Plugin:
    """Names the running test and counts its passing assertions."""

    def pytest_runtest_setup(self, item: Any) -> None:
        _STATE["test"] = item.nodeid
        _STATE["test_file"] = os.path.abspath(str(item.path))

    def pytest_assertion_pass(self, item: Any, lineno: int, orig: str, expl: str) -> None:
        counts = _STATE["assertions"]
        counts[item.nodeid] = counts.get(item.nodeid, 0) + 1

    def pytest_runtest_logreport(self, report: Any) -> None:
        if report.failed or report.when == "call":
            previous = _STATE["outcomes"].get(report.nodeid)
            if previous != "failed":
                _STATE["outcomes"][report.nodeid] = report.outcome


def set_limits(limits: dict[str, Any]) -> None:
    """The job's recording bounds (calls and bytes per function, characters per repr)."""
    _LIMITS.update({k: int(v) for k, v in limits.items() if k in _LIMITS})


def begin(item: dict[str, Any]) -> None:
    """Set up one recording run: the functions it records and its mutant, if any (in the
    run's own process, before its tests run)."""
    _STATE["functions"] = set(item["functions"])
    _STATE["modules"] = {f.rpartition(".")[0] for f in item["functions"]}
    os.environ.pop("MUTANT_UNDER_TEST", None)
    if item.get("mutant"):
        os.environ["MUTANT_UNDER_TEST"] = str(item["mutant"])
        _STATE["mutant_name"] = str(item["mutant"]).rpartition(".")[2]


def document(exit_code: int) -> dict[str, Any]:
    """What one recording run found, once its tests ran (``exit_code``: pytest's)."""
    return {
        "exit_code": int(exit_code),
        "calls": _STATE["calls"],
        "truncated": sorted(_STATE["truncated"]),
        "assertions": _STATE["assertions"],
        "outcomes": _STATE["outcomes"],
        # None: not a mutant run, or its changed lines could not be found
        "reached": _STATE["reached"] if _STATE["mutated_code"] is not None else None,
    }
