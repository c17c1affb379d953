"""Subcommands loaded when they are used, so that ``audit --help`` starts fast.

Each analysis's module imports its libraries (libcst, mutmut, coverage, rich,
...) at the top; building every subcommand up front made ``audit --help``
import all of them (0.6 s). A :class:`LazyGroup` knows a lazy subcommand by
its name and one-line help, and builds it (importing its module) only when
that subcommand runs or its own help is asked for.

The name and help of an analysis's subcommand are read from its module's
source (the ``command`` and ``help`` class attributes, string literals in
every analysis), not by importing it; a module whose source does not give
them plainly (a plugin computing its help) is imported instead.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import click

from auditor.registry_source import class_source


@dataclass(frozen=True)
class LazyCommand:
    """A subcommand by name and short help; ``load`` builds the real command."""

    name: str
    short_help: str
    load: Callable[[], click.Command]


class LazyGroup(click.Group):
    """A group whose lazy subcommands are listed without being built.

    ``provider`` gives the lazy subcommands; it is called once, the first
    time a name is looked up that is not an eager command (so ``audit
    report`` pays nothing for it).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._providers: list[Callable[[], Iterable[LazyCommand]]] = []
        self._lazy: dict[str, LazyCommand] | None = None

    def add_lazy(self, provider: Callable[[], Iterable[LazyCommand]]) -> None:
        """Add the lazy subcommands ``provider`` gives (called when first needed)."""
        self._providers.append(provider)
        self._lazy = None

    def lazy_commands(self) -> dict[str, LazyCommand]:
        if self._lazy is None:
            self._lazy = {c.name: c for provider in self._providers for c in provider()}
        return self._lazy

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(self.commands) | set(self.lazy_commands()))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy_commands():
            self.add_command(self.lazy_commands()[cmd_name].load(), cmd_name)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Like :meth:`click.Group.format_commands`, without building lazy subcommands."""
        rows_of: dict[str, click.Command] = {}
        for name in self.list_commands(ctx):
            command = self.commands.get(name)
            if command is None:  # not built: a stand-in carrying its short help
                command = click.Command(name, help=self.lazy_commands()[name].short_help)
            if not command.hidden:
                rows_of[name] = command
        if not rows_of:
            return
        limit = formatter.width - 6 - max(len(name) for name in rows_of)
        with formatter.section("Commands"):
            formatter.write_dl([(name, c.get_short_help_str(limit)) for name, c in rows_of.items()])


def class_attributes(location: str, names: tuple[str, ...]) -> dict[str, str] | None:
    """String class attributes ``names`` of ``"module:Class"``, read from its source.

    None when the source is not found or does not assign them all as string
    literals (the caller imports the class then).
    """
    source = class_source(location)
    if source is None:
        return None
    found: dict[str, str] = {}
    for name in names:
        value = source.assignments.get(name)
        if not (isinstance(value, ast.Constant) and isinstance(value.value, str)):
            return None
        found[name] = value.value
    return found


def function_docstring(location: str) -> str | None:
    """The docstring of the function ``"module:function"``, read from its source."""
    module_name, _, function_name = location.partition(":")
    spec = importlib.util.find_spec(module_name)
    if spec is None or spec.origin is None:
        return None
    with open(spec.origin, encoding="utf-8") as handle:
        tree = ast.parse(handle.read(), spec.origin)
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == function_name:
            return ast.get_docstring(node)
    return None


def imported(location: str) -> Any:
    """The object at ``"module:name"``, imported."""
    module_name, _, name = location.partition(":")
    return getattr(importlib.import_module(module_name), name)
