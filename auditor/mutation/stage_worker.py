"""One way to start a worker script of ours in the mutation stage.

The kill matrix and the survivor explanations each run a worker script in the
project's interpreter, inside the staged ``mutants/`` folder, with our plugin
on the path and no mutant chosen in advance (the worker picks one per run).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from auditor.mutation.staging import Stage
from auditor.project import tool_environment


def run_stage_worker(
    stage: Stage, python: str, script: str, *args: Path, timeout: float | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``script`` (a file next to this module) with ``args`` in ``stage``'s mutants folder.

    Raises :class:`subprocess.TimeoutExpired` past ``timeout`` seconds.
    """
    env = tool_environment(python, [stage.plugin_dir])
    env.pop("MUTANT_UNDER_TEST", None)
    return subprocess.run(
        [python, str(Path(__file__).with_name(script)), *map(str, args)],
        cwd=stage.mutants,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )
