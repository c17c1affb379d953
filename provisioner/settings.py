"""Provisioner settings, including the secrets that instances receive.

Secrets are wrapped in ``Secret`` so that printing, logging or formatting a
``Settings`` object never shows them; ``Settings.redact`` scrubs them from any
text (error reasons, Kubernetes error bodies) before it is stored or shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from provisioner.errors import SettingsError

REDACTED = "***"
MIN_SECRET_LENGTH = 16


@dataclass(frozen=True)
class Secret:
    """A secret string whose ``repr``/``str`` never reveal the value."""

    _value: str = field(repr=False)

    def reveal(self) -> str:
        """The secret value; only the chart values builder should need it."""
        return self._value

    def __str__(self) -> str:
        return REDACTED

    def __repr__(self) -> str:
        return f"Secret({REDACTED!r})"


@dataclass(frozen=True)
class Settings:
    """Everything the provisioner needs besides the database and the cluster.

    ``api_key`` is the key each instance uses to call the SaaS control plane;
    ``license_key`` is the product licence.  Both end up in the instance's Secret
    under different keys, which is why mixing them up is a real (planted) bug.
    """

    api_key: Secret
    license_key: Secret
    image: str = "nginx:1.27-alpine"
    kubernetes_version: str = "1.33"
    readiness_timeout: float = 180.0
    namespace_timeout: float = 180.0
    poll_interval: float = 1.0
    request_timeout: float = 15.0
    max_attempts: int = 3
    retry_backoff: float = 0.25

    def __post_init__(self) -> None:
        for label, secret in (("api key", self.api_key), ("license key", self.license_key)):
            if len(secret.reveal()) < MIN_SECRET_LENGTH:
                raise SettingsError(f"{label} must be at least {MIN_SECRET_LENGTH} characters")
        if self.max_attempts < 1:
            raise SettingsError("max_attempts must be at least 1")
        if min(self.readiness_timeout, self.namespace_timeout, self.request_timeout) <= 0:
            raise SettingsError("timeouts must be positive")

    def redact(self, text: str) -> str:
        """Replace every secret value occurring in ``text`` with ``***``."""
        for secret in (self.api_key, self.license_key):
            text = text.replace(secret.reveal(), REDACTED)
        return text

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """Build settings from ``PROVISIONER_*`` environment variables."""
        missing = [
            name for name in ("PROVISIONER_API_KEY", "PROVISIONER_LICENSE_KEY") if not env.get(name)
        ]
        if missing:
            raise SettingsError(f"missing environment variable(s): {', '.join(missing)}")
        floats = {
            "readiness_timeout": "PROVISIONER_READINESS_TIMEOUT",
            "namespace_timeout": "PROVISIONER_NAMESPACE_TIMEOUT",
            "poll_interval": "PROVISIONER_POLL_INTERVAL",
            "request_timeout": "PROVISIONER_REQUEST_TIMEOUT",
        }
        options: dict[str, float] = {}
        for attr, var in floats.items():
            if var in env:
                try:
                    options[attr] = float(env[var])
                except ValueError:
                    raise SettingsError(f"{var} must be a number") from None
        return cls(
            api_key=Secret(env["PROVISIONER_API_KEY"]),
            license_key=Secret(env["PROVISIONER_LICENSE_KEY"]),
            image=env.get("PROVISIONER_IMAGE", cls.image),
            **options,  # type: ignore[arg-type]
        )
