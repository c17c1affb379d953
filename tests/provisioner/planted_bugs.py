"""Three classic bugs that mock-heavy suites miss, defined in one place.

Each bug is an exact text replacement in one module of ``provisioner/``.  The
tests assert the original text is present exactly once, so these definitions
fail loudly (instead of silently planting nothing) when the code changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class PlantedBug:
    """``original`` -> ``replacement`` in ``module`` (relative to the package).

    ``caught_by``: the strong suite's test file written to catch this bug; a
    planted-bug run puts its tests first (the whole suite still runs after
    them) and checks that the first failure is one of them.
    """

    name: str
    description: str
    module: str
    original: str
    replacement: str
    caught_by: str

    def apply(self, package_dir: Path) -> None:
        """Plant the bug into a copy of the package (never into the real one)."""
        target = package_dir / self.module
        text = target.read_text(encoding="utf-8")
        if text.count(self.original) != 1:
            raise ValueError(f"{self.name}: original text not found exactly once in {target}")
        target.write_text(text.replace(self.original, self.replacement), encoding="utf-8")


BUGS: tuple[PlantedBug, ...] = (
    PlantedBug(
        name="wrong-kubernetes-path",
        description="stop scales the ReplicaSet 'scale' subresource instead of the Deployment's",
        module="kube.py",
        original='self._apis["apps"].patch_namespaced_deployment_scale,',
        replacement='self._apis["apps"].patch_namespaced_replica_set_scale,',
        caught_by="test_kube_client.py",
    ),
    PlantedBug(
        name="wrong-chart-variable",
        description="the instance's API key is taken from the licence-key setting",
        module="rendering.py",
        original='"apiKey": settings.api_key.reveal(),',
        replacement='"apiKey": settings.license_key.reveal(),',
        caught_by="test_chart_contract.py",
    ),
    PlantedBug(
        name="running-after-failed-deploy",
        description="a deployment that never becomes available is recorded as running",
        module="service.py",
        original="if not self.kube.wait_deployment_ready(namespace, DEPLOYMENT_NAME):",
        replacement="if self.kube.wait_deployment_ready(namespace, DEPLOYMENT_NAME) is None:",
        caught_by="test_service.py",
    ),
)
