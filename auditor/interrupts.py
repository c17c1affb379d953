"""SIGTERM is handled like SIGINT: both raise :class:`KeyboardInterrupt` in the auditor.

Python turns SIGINT into ``KeyboardInterrupt``, but SIGTERM (what CI runners,
``timeout`` and ``kill`` send) ends the process at once by default: pytest's
process group kept running for seconds, partial files stayed. With
:func:`handle_sigterm_as_interrupt` installed, every clean-up path written for
Ctrl-C (stop the suite's process group, let mutmut save its verdicts, remove
partial files) runs for SIGTERM too, and the CLI exits with
:data:`~auditor.errors.EXIT_INTERRUPTED` for both.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signal.Signals(signum).name}")


def handle_sigterm_as_interrupt() -> None:
    """Install the SIGTERM handler (signal handlers can only be set in the main thread)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _raise_interrupt)
