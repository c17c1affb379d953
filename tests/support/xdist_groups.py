"""How the suite is spread over xdist workers: test by test, a shared fixture once.

Most tests are independent and go to whichever worker is free. A test module
that defines a module- or class-scoped fixture (one mutmut run, one wheel
build, one browser, shared by several tests that each assert one thing about
it) keeps all its tests on one worker: spread over two workers, the fixture
would be built twice. Modules that share a session-scoped fixture of a
conftest (the audit of tests/reports/shop.py) say so with xdist's own idiom,
``pytest.mark.xdist_group("name")`` in their ``pytestmark``; every module
naming one group goes to one worker.

xdist's own ``--dist loadgroup`` would do this with ``xdist_group`` marks, but
with pytest 9.2 it silently does nothing: xdist 3.8 appends the group to
``item._nodeid``, and pytest 9.2 reads a node's id from ``item._id``. So the
scheduler here decides the groups on the controller, from the test files'
text, before any worker has collected.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from xdist.scheduler import LoadScopeScheduling

# ``@pytest.fixture(scope="module")`` and friends, the way this suite writes them.
_SHARED_FIXTURE = re.compile(r"""@pytest\.fixture\(\s*scope\s*=\s*["'](module|class|package)["']""")
_GROUP_MARK = re.compile(r"""pytest\.mark\.xdist_group\(\s*(?:name\s*=\s*)?["']([^"']+)["']""")


@cache
def _unit_of_module(test_file: Path, module: str) -> str | None:
    """The work unit all tests of the module belong to, or None to spread them."""
    try:
        text = test_file.read_text(encoding="utf-8")
    except OSError:  # a nodeid that is not a file (there is none today): spread it
        return None
    group = _GROUP_MARK.search(text)
    if group is not None:
        return f"group:{group.group(1)}"
    return module if _SHARED_FIXTURE.search(text) else None


class ModuleFixtureScheduling(LoadScopeScheduling):
    """Per-test load balancing, except modules with shared fixtures, which are one unit."""

    def _split_scope(self, nodeid: str) -> str:
        module = nodeid.split("::", 1)[0]
        unit = _unit_of_module(Path(self.config.rootpath) / module, module)
        return nodeid if unit is None else unit
