"""Fixtures of the provisioner's strong suite: a cluster, a real SQLite file, settings.

Nothing here replaces provisioner code: the provisioner talks HTTP to the test
server (or a real cluster) through the official client and writes a real file.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path

import kubernetes_validate.utils
import pytest

from provisioner.db import Database
from provisioner.kube import KubeClient
from provisioner.service import Provisioner
from provisioner.settings import Settings
from tests.provisioner.kube_server import KubeServer
from tests.provisioner.support.cluster import (
    Cluster,
    make_settings,
    real_kubeconfig,
    unique_tenant,
)


def pytest_report_header() -> str:
    """Name the imported package, so planted-bug runs can prove they used the copy."""
    import provisioner

    return f"provisioner package: {provisioner.__file__}"


@pytest.fixture(scope="session", autouse=True)
def schema_files_read_once() -> Iterator[None]:
    """Each bundled Kubernetes schema file is parsed once per test process, not per manifest.

    ``kubernetes_validate.validate`` re-reads and parses its schema files on
    every call, among them a ~5 MB ``_definitions.json``: a third of the strong
    suite's CPU time went there (every provision validates each manifest).
    The files never change during a run, so the same parsed contents are
    handed back; the validation itself (jsonschema, strict) runs unchanged on
    every manifest. Only ``schema_contents`` is wrapped, by a cache of itself.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(kubernetes_validate.utils, "schema_contents",
                      functools.cache(kubernetes_validate.utils.schema_contents))
        yield


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    """A fresh test server per test, or the real cluster if configured."""
    real = real_kubeconfig()
    if real is not None:
        yield Cluster(kubeconfig=real, server=None)
        return
    server = KubeServer().start()
    try:
        yield Cluster(kubeconfig=server.write_kubeconfig(tmp_path / "kubeconfig.yaml"),
                      server=server)
    finally:
        server.stop()


@pytest.fixture
def tenant(cluster: Cluster) -> Iterator[str]:
    """A unique tenant; its namespaces are removed afterwards on a real cluster."""
    name = unique_tenant()
    yield name
    if cluster.real:
        cluster.delete_tenant_namespaces(name)


@pytest.fixture
def settings(cluster: Cluster) -> Settings:
    """Settings with waits suited to the cluster in use."""
    return make_settings(cluster.real)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Path of a real SQLite file for this test."""
    return tmp_path / "provisioner.sqlite"


@pytest.fixture
def db(db_path: Path) -> Iterator[Database]:
    """An open, migrated database."""
    database = Database(db_path)
    yield database
    database.close()


@pytest.fixture
def kube(cluster: Cluster, settings: Settings) -> KubeClient:
    """The provisioner's cluster client, built from the kubeconfig like the CLI does."""
    return KubeClient.from_kubeconfig(str(cluster.kubeconfig), None, settings)


@pytest.fixture
def provisioner(db: Database, kube: KubeClient, settings: Settings) -> Provisioner:
    """A provisioner wired to the real database file and the cluster."""
    return Provisioner(db, kube, settings)
