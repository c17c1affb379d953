"""How the suite is spread over xdist workers: test by test, a shared fixture once.

Most tests are independent and go to whichever worker is free. A test module
that defines a module- or class-scoped fixture (one mutmut run, one wheel
build, one browser, shared by several tests that each assert one thing about
it) keeps all its tests on one worker: spread over two workers, the fixture
would be built twice.

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


@cache
def _shares_a_fixture(test_file: Path) -> bool:
    """True when the module defines a fixture that outlives one test."""
    try:
        text = test_file.read_text(encoding="utf-8")
    except OSError:  # a nodeid that is not a file (there is none today): spread it
        return False
    return _SHARED_FIXTURE.search(text) is not None


class ModuleFixtureScheduling(LoadScopeScheduling):
    """Per-test load balancing, except modules with shared fixtures, which are one unit."""

    def _split_scope(self, nodeid: str) -> str:
        module = nodeid.split("::", 1)[0]
        if _shares_a_fixture(Path(self.config.rootpath) / module):
            return module
        return nodeid
