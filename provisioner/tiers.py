"""Service tiers: how big an instance of each tier is.

Sizes are kept as integers (millicores, mebibytes, gibibytes) so that quota
arithmetic is exact; they are formatted as Kubernetes quantities on rendering.
"""

from __future__ import annotations

from dataclasses import dataclass

from provisioner.errors import ValuesError


@dataclass(frozen=True)
class Tier:
    """Resources of one tier."""

    name: str
    replicas: int
    cpu_request_m: int
    cpu_limit_m: int
    memory_request_mi: int
    memory_limit_mi: int
    storage_gi: int

    @property
    def quota_pods(self) -> int:
        """Pods the quota admits: all replicas plus one surge pod for rolling updates."""
        return self.replicas + 1

    def quota(self) -> dict[str, str]:
        """ResourceQuota ``hard`` limits sized for ``quota_pods`` pods of this tier."""
        pods = self.quota_pods
        return {
            "pods": str(pods),
            "requests.cpu": f"{pods * self.cpu_request_m}m",
            "limits.cpu": f"{pods * self.cpu_limit_m}m",
            "requests.memory": f"{pods * self.memory_request_mi}Mi",
            "limits.memory": f"{pods * self.memory_limit_mi}Mi",
            "persistentvolumeclaims": "1",
            "requests.storage": f"{self.storage_gi}Gi",
        }


TIERS: dict[str, Tier] = {
    "free": Tier("free", 1, 100, 250, 128, 256, 1),
    "starter": Tier("starter", 2, 250, 500, 256, 512, 5),
    "professional": Tier("professional", 3, 500, 1000, 512, 1024, 20),
}


def get_tier(name: str) -> Tier:
    """Look a tier up by name, with an error listing the valid names."""
    try:
        return TIERS[name]
    except KeyError:
        valid = ", ".join(sorted(TIERS))
        raise ValuesError(f"unknown tier {name!r} (valid: {valid})") from None
