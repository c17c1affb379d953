"""Static import graph and cycle detection."""

from __future__ import annotations

import itertools
import textwrap
from pathlib import Path
from random import Random

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.imports.cycles import build_graph, find_cycles, strongly_connected_components
from auditor.imports.discovery import discover_modules
from auditor.project import PackageLocation


def _graph_of(tmp_path: Path, files: dict[str, str], package: str = "pkg") -> dict[str, set[str]]:
    for relative, source in files.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source))
    location = PackageLocation(package, tmp_path / package, tmp_path)
    modules = discover_modules([location], [])
    return build_graph(modules, [package]).edges


def test_type_checking_imports_do_not_make_a_cycle(tmp_path: Path) -> None:
    edges = _graph_of(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "from pkg import b\n",
            "pkg/b.py": """\
                import typing
                from typing import TYPE_CHECKING
                if TYPE_CHECKING:
                    from pkg import a
                if typing.TYPE_CHECKING:
                    import pkg.a
                else:
                    import pkg.c
            """,
            "pkg/c.py": "",
        },
    )
    assert edges["pkg.b"] == {"pkg.c"}
    assert find_cycles(edges) == []


def test_relative_import_cycle_is_found(tmp_path: Path) -> None:
    edges = _graph_of(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/sub/__init__.py": "from . import x\n",
            "pkg/sub/x.py": "from .y import thing\n",
            "pkg/sub/y.py": "from ..top import T\nthing = 1\n",
            "pkg/top.py": "from .sub.x import *\nT = 1\n",
            "pkg/alone.py": "from .sub import x\n",
        },
    )
    assert edges["pkg.sub"] == {"pkg.sub.x"}
    assert edges["pkg.sub.y"] == {"pkg.top"}
    assert find_cycles(edges) == [["pkg.sub.x", "pkg.sub.y", "pkg.top"]]


def test_only_imports_that_run_at_import_time_count(tmp_path: Path) -> None:
    edges = _graph_of(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": """\
                try:
                    import pkg.b
                except ImportError:
                    import pkg.c
                class Holder:
                    import pkg.d
                def later():
                    import pkg.e
                with open(__file__):
                    from pkg import f
                if not TYPE_CHECKING:
                    import pkg.g
                else:
                    import pkg.h
                import json, pkg.missing.deeper
            """,
            **{f"pkg/{name}.py": "" for name in "bcdefgh"},
        },
    )
    # pkg.missing.deeper does not exist: its longest existing prefix is pkg itself.
    assert edges["pkg.a"] == {"pkg.b", "pkg.c", "pkg.d", "pkg.f", "pkg.g", "pkg"}


def test_from_package_import_name_points_at_the_package(tmp_path: Path) -> None:
    edges = _graph_of(
        tmp_path,
        {
            "pkg/__init__.py": "from pkg.a import helper\nVERSION = 1\n",
            "pkg/a.py": "from pkg import VERSION\n\ndef helper(): pass\n",
            "pkg/selfish.py": "from pkg import selfish\n",
        },
    )
    assert edges["pkg.a"] == {"pkg"}
    assert find_cycles(edges) == [["pkg", "pkg.a"], ["pkg.selfish"]]


def test_unparsable_module_has_no_edges_and_the_rest_goes_on(tmp_path: Path) -> None:
    for relative, source in {
        "pkg/__init__.py": "",
        "pkg/broken.py": "import pkg.ok\ndef (:\n",
        "pkg/ok.py": "import pkg.other\n",
        "pkg/other.py": "import pkg.ok\n",
    }.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(source)
    modules = discover_modules([PackageLocation("pkg", tmp_path / "pkg", tmp_path)], [])
    graph = build_graph(modules, ["pkg"])
    assert graph.unparsable == ["pkg.broken"]
    assert find_cycles(graph.edges) == [["pkg.ok", "pkg.other"]]


def test_external_imports_are_collected_for_preloading(tmp_path: Path) -> None:
    for relative, source in {
        "pkg/__init__.py": "import json\nfrom os import path\nfrom . import m\n",
        "pkg/m.py": "import xml.dom.minidom\nfrom typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    import decimal\ndef f():\n    import csv\n",
    }.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(source)
    modules = discover_modules([PackageLocation("pkg", tmp_path / "pkg", tmp_path)], [])
    assert build_graph(modules, ["pkg"]).external == {"json", "os", "xml.dom.minidom", "typing"}


def test_a_long_chain_does_not_hit_the_recursion_limit() -> None:
    size = 20_000
    edges = {f"m{i}": {f"m{(i + 1) % size}"} for i in range(size)}
    cycles = find_cycles(edges)
    assert len(cycles) == 1
    assert len(cycles[0]) == size


# ----------------------------------------------------------- properties

NODES = [f"m{i}" for i in range(7)]
graphs = st.dictionaries(
    st.sampled_from(NODES), st.sets(st.sampled_from(NODES), max_size=4), max_size=len(NODES)
)


def _reachable(edges: dict[str, set[str]]) -> set[tuple[str, str]]:
    """Pairs (u, v) with a path of at least one edge from u to v (transitive closure)."""
    reach = {(u, v) for u, targets in edges.items() for v in targets}
    nodes = set(edges) | {v for targets in edges.values() for v in targets}
    for middle, start, end in itertools.product(sorted(nodes), repeat=3):
        if (start, middle) in reach and (middle, end) in reach:
            reach.add((start, end))
    return reach


@settings(max_examples=300)
@given(graphs)
def test_cycles_match_brute_force_reachability(edges: dict[str, set[str]]) -> None:
    reach = _reachable(edges)
    on_a_cycle = {u for u, v in reach if u == v}
    expected = {
        frozenset(v for v in on_a_cycle if (u, v) in reach and (v, u) in reach) | {u}
        for u in on_a_cycle
    }
    cycles = find_cycles(edges)
    assert {frozenset(c) for c in cycles} == expected
    assert all(c == sorted(c) for c in cycles)
    assert cycles == sorted(cycles)


@settings(max_examples=200)
@given(graphs)
def test_components_partition_every_node(edges: dict[str, set[str]]) -> None:
    components = strongly_connected_components(edges)
    nodes = set(edges) | {v for targets in edges.values() for v in targets}
    flat = [n for c in components for n in c]
    assert sorted(flat) == sorted(nodes)


@settings(max_examples=100)
@given(graphs, st.randoms(use_true_random=False))
def test_cycles_do_not_depend_on_input_order(edges: dict[str, set[str]], rng: Random) -> None:
    items = list(edges.items())
    rng.shuffle(items)
    assert find_cycles(dict(items)) == find_cycles(edges)
