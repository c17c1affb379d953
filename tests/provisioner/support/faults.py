"""Fault injection rules for the Kubernetes API test server."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field

# The Status reason the real API server sends with each injected code.
REASONS = {
    400: "BadRequest",
    403: "Forbidden",
    404: "NotFound",
    409: "Conflict",
    429: "TooManyRequests",
    500: "InternalError",
    503: "ServiceUnavailable",
}


@dataclass
class Fault:
    """What to do to requests matching ``method`` and the ``path`` regex.

    ``status``: answer with this HTTP code and a ``Status`` body (``echo_body``:
    quote the request body in the message, as some admission webhooks do); ``drop``: close
    the connection without answering; ``delay``: sleep first (a slow response,
    then normal processing unless ``status``/``drop`` also apply).  ``times``
    limits how many requests are hit (``None``: all of them).
    """

    method: str | None
    path: str
    status: int | None = None
    drop: bool = False
    delay: float = 0.0
    times: int | None = None
    retry_after: str = "1"
    echo_body: bool = False
    hits: int = field(default=0)

    def matches(self, method: str, path: str) -> bool:
        """Whether this fault applies to the request (and has hits left)."""
        if self.times is not None and self.hits >= self.times:
            return False
        return (self.method is None or self.method == method) and re.search(
            self.path, path
        ) is not None


class Faults:
    """The server's active fault rules (first match wins)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[Fault] = []

    def add(self, fault: Fault) -> Fault:
        """Activate ``fault`` and return it (its ``hits`` count the requests it hit)."""
        with self._lock:
            self._rules.append(fault)
        return fault

    def clear(self) -> None:
        """Remove every rule."""
        with self._lock:
            self._rules.clear()

    def active(self) -> bool:
        """Whether any rule can still hit a request."""
        with self._lock:
            return any(rule.times is None or rule.hits < rule.times for rule in self._rules)

    def take(self, method: str, path: str) -> Fault | None:
        """The first matching rule, counting the hit."""
        with self._lock:
            for rule in self._rules:
                if rule.matches(method, path):
                    rule.hits += 1
                    return rule
        return None
