"""Ask the project's interpreter what it has, before running anything with it.

Runs a tiny stdlib-only script in the target interpreter (cwd = project
root, so coverage.py reads the project's own configuration, with its own
lookup: ``COVERAGE_RCFILE``, ``.coveragerc``, ``setup.cfg``, ``tox.ini``,
``pyproject.toml``) and returns the facts the test run depends on: the
coverage and pytest versions, every ``[run]``/``[report]``/``[paths]`` option
and plugin option coverage.py resolved for the project (read with
``get_option``, so defaults and ``exclude_also``-style merging are
coverage.py's own), and which pytest plugins that change how tests run
(pytest-cov, xdist) are installed.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.coverage.rcfile import ProjectCoverageConfig
from auditor.errors import ConfigError, IncompleteAuditError
from auditor.testrun.probe_cache import ProbeCache, probe_key

_PROBE = r"""
import json, importlib.util
facts = {}
def has(name):
    try:
        return importlib.util.find_spec(name) is not None
    except Exception:
        return False
facts["pytest"] = has("pytest")
facts["coverage"] = has("coverage")
facts["pytest_cov"] = has("pytest_cov")
facts["xdist"] = has("xdist")
facts["coverage_version"] = ""
facts["coverage_config"] = None
if facts["coverage"]:
    import coverage
    facts["coverage_version"] = coverage.__version__
    try:
        from coverage.config import CoverageConfig
        cov = coverage.Coverage()
        options = {}
        for spec in CoverageConfig.CONFIG_FILE_OPTIONS:
            where = spec[1]
            if where.split(":")[0] in ("run", "report") and not spec[0].startswith("_"):
                options[where] = cov.get_option(where)
        config = cov.config
        plugins = {}
        for name in options.get("run:plugins") or []:
            plugins[name] = dict(config.get_plugin_options(name))
        try:
            import tomllib
            toml = True
        except ImportError:
            toml = has("tomli") or has("toml")
        facts["coverage_config"] = {
            "config_file": config.config_file,
            "options": options,
            "paths": {k: list(v) for k, v in (cov.get_option("paths") or {}).items()},
            "plugin_options": plugins,
            "toml": toml,
        }
    except Exception as exc:
        facts["config_error"] = str(exc)
        try:  # which file coverage.py was reading, for the message
            from coverage.config import CoverageConfig, config_files_to_try
            for fname, ours, _ in config_files_to_try(True):
                try:
                    used = CoverageConfig().from_file(fname, warn=lambda m: None, our_file=ours)
                except Exception:
                    used = True
                if used:
                    facts["config_file"] = fname
                    break
        except Exception:
            pass
# Where anything could be installed or imported from (the folders the cache
# watches: installing or removing a distribution changes one of them).
import os, sys
here = os.path.abspath(os.getcwd())
facts["folders"] = sorted({os.path.abspath(p) for p in sys.path
                           if p and os.path.isdir(p) and os.path.abspath(p) != here})
print(json.dumps(facts, default=str))
"""

# coverage.py starts itself in any interpreter that sees these (its .pth file);
# the probe must not measure itself, or fail on a config file not written yet.
_COVERAGE_START_VARIABLES = ("COVERAGE_PROCESS_START", "COVERAGE_PROCESS_CONFIG")


@dataclass(frozen=True)
class InterpreterFacts:
    python: str
    coverage_version: str
    has_pytest_cov: bool
    has_xdist: bool
    coverage_config: ProjectCoverageConfig = field(default_factory=ProjectCoverageConfig)

    @property
    def omit(self) -> list[str]:
        """The project's ``[run] omit`` patterns."""
        return list(self.coverage_config.option("run:omit") or [])


def probe(python: str, root: Path, env: dict[str, str],
          cache_file: Path | None = None) -> InterpreterFacts:
    """Facts about ``python``; an :class:`IncompleteAuditError` if it cannot run the suite.

    ``cache_file``: where a good answer is kept and read back while none of
    its inputs changed (:mod:`auditor.testrun.probe_cache`); None probes
    every time.
    """
    probe_env = {k: v for k, v in env.items() if k not in _COVERAGE_START_VARIABLES}
    cache = ProbeCache(cache_file) if cache_file is not None else None
    key = probe_key(python, root, probe_env, _PROBE) if cache is not None else ""
    cached = cache.load(key) if cache is not None else None
    if cached is not None:
        return _interpret(python, cached)
    facts = _run_probe(python, root, probe_env)
    interpreted = _interpret(python, facts)  # raises on a probe that is not an answer
    if cache is not None:
        cache.store(key, facts, [str(f) for f in facts.get("folders") or []])
    return interpreted


def _run_probe(python: str, root: Path, probe_env: dict[str, str]) -> dict[str, Any]:
    try:
        done = subprocess.run(
            [python, "-c", _PROBE],
            cwd=root,
            env=probe_env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise IncompleteAuditError(
            f"cannot run the project's interpreter {python}: {exc}"
        ) from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise IncompleteAuditError(f"the project's interpreter {python} failed: {last}")
    facts: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return facts


def _interpret(python: str, facts: dict[str, Any]) -> InterpreterFacts:
    """The probe's answer as facts, or the error it means (missing tools, a bad config)."""
    missing = [name for name in ("pytest", "coverage") if not facts[name]]
    if missing:
        raise IncompleteAuditError(
            f"{python} has no {' and no '.join(missing)}; install "
            f"{' and '.join(missing)} in the project's environment "
            "or set [tool.audit] python to an interpreter that has them"
        )
    if "config_error" in facts:
        error, where = str(facts["config_error"]), str(facts.get("config_file") or "")
        # Some of coverage.py's messages name the file already ("Couldn't read config file ...").
        prefix = f"{where}: " if where and Path(where).name not in error else ""
        raise ConfigError(f"{prefix}coverage.py rejects the project's configuration: {error}")
    return InterpreterFacts(
        python=python,
        coverage_version=facts["coverage_version"],
        has_pytest_cov=bool(facts["pytest_cov"]),
        has_xdist=bool(facts["xdist"]),
        coverage_config=ProjectCoverageConfig.from_probe(facts["coverage_config"] or {}),
    )
