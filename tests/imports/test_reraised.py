"""A module that turns its ImportError into another exception is classified by what is missing.

The optional-dependency idiom ``try: import gevent / except ImportError:
raise RuntimeError("the gevent worker requires gevent")`` (gunicorn's gevent
and tornado workers) fails with the RuntimeError, raised by the project's own
code. What is missing is in the RuntimeError's ``__cause__`` or
``__context__``, and the cause follows from the declarations exactly as for
a plain ``import`` of the same module. Each expected cause below is read off
PROJECT_TABLE and the definitions in :mod:`auditor.imports.causes`: the
``*_xyz`` names are installed nowhere.
"""

from __future__ import annotations

import pytest

from auditor.imports.analysis import ImportsAnalysis
from auditor.imports.result import ImportFailure
from tests.imports.fixture_project import ProjectFactory

REQUIRES_EXTRA = "    raise RuntimeError('this worker requires {name}')\n"

FILES = {
    "pkg/__init__.py": "",
    "pkg/present.py": "",
    # declared in the extra "worker" only
    "pkg/extra_worker.py": (
        "try:\n    import extra_dep_xyz\nexcept ImportError:\n"
        + REQUIRES_EXTRA.format(name="extra_dep_xyz")
    ),
    # declared nowhere
    "pkg/undeclared_worker.py": (
        "try:\n    import nowhere_dep_xyz\nexcept ImportError:\n"
        + REQUIRES_EXTRA.format(name="nowhere_dep_xyz")
    ),
    # a required dependency, the ImportError hidden with ``from None``
    "pkg/required_worker.py": (
        "try:\n    import required_dep_xyz\nexcept ImportError:\n"
        "    raise RuntimeError('install required_dep_xyz') from None\n"
    ),
    # the project's own module is missing: a bug, however it is re-raised
    "pkg/first_party_reraise.py": (
        "try:\n    import pkg.gone\nexcept ImportError as exc:\n"
        "    raise RuntimeError('pkg.gone is needed') from exc\n"
    ),
    # an ImportError without a name, raised in place of the one naming the module
    "pkg/plain_reraise.py": (
        "try:\n    import extra_dep_xyz.sub\nexcept ImportError:\n"
        "    raise ImportError('pip install fixture-pkg[worker]')\n"
    ),
    # a bug in the except block: the ImportError is only its context
    "pkg/handler_bug.py": (
        "try:\n    import extra_dep_xyz\nexcept ImportError:\n"
        "    extra_dep_xyz = None\n    VERSION = extra_dep_xyz.__version__\n"
    ),
    # re-raised after a first-party name lookup failed inside a present module
    "pkg/missing_name_reraise.py": (
        "try:\n    from pkg.present import gone\nexcept ImportError as exc:\n"
        "    raise RuntimeError('pkg.present lost a name') from exc\n"
    ),
}
PROJECT_TABLE = """
[project]
name = "fixture-pkg"
version = "1.0"
dependencies = ["required-dep-xyz"]
[project.optional-dependencies]
worker = ["extra-dep-xyz"]
"""
EXPECTED = {
    "pkg.extra_worker": "optional-missing",
    "pkg.undeclared_worker": "undeclared",
    "pkg.required_worker": "required-missing",
    "pkg.first_party_reraise": "first-party",
    "pkg.plain_reraise": "optional-missing",
    "pkg.handler_bug": "first-party",
    "pkg.missing_name_reraise": "first-party",
}


@pytest.fixture
def failures(project: ProjectFactory) -> dict[str, ImportFailure]:
    result = ImportsAnalysis().run(project(FILES, extra_config=PROJECT_TABLE))
    return {f.module: f for f in result.failures}


@pytest.mark.slow
def test_a_reraised_import_error_is_classified_by_the_missing_module(
    failures: dict[str, ImportFailure],
) -> None:
    assert {m: f.cause for m, f in failures.items()} == EXPECTED
    extra = failures["pkg.extra_worker"]
    # the user still sees the exception the module raised, and learns what is missing
    assert (extra.error_type, extra.message) == (
        "RuntimeError", "this worker requires extra_dep_xyz")
    assert (extra.missing, extra.distribution) == ("extra_dep_xyz", "extra-dep-xyz")
    assert "declared only in the extra worker" in extra.reason
    assert "raised RuntimeError in place of the ModuleNotFoundError" in extra.reason
    assert failures["pkg.undeclared_worker"].missing == "nowhere_dep_xyz"
    assert failures["pkg.required_worker"].distribution == "required-dep-xyz"
    assert failures["pkg.first_party_reraise"].missing == "pkg.gone"
    assert failures["pkg.plain_reraise"].missing == "extra_dep_xyz"
    # the bug's own exception, not the import it followed
    bug = failures["pkg.handler_bug"]
    assert (bug.error_type, bug.missing, bug.line) == ("AttributeError", "", 5)
