"""Contract tests of the chart: values schema, strict Kubernetes schemas, secrets."""

from __future__ import annotations

import copy
from typing import Any

import jsonschema
import kubernetes_validate
import pytest

from provisioner.errors import ManifestError, ValuesError
from provisioner.rendering import (
    TEMPLATES,
    build_values,
    render,
    render_validated,
    validate_manifest,
    validate_values,
    values_schema,
)
from provisioner.settings import Settings
from provisioner.tiers import TIERS, Tier, get_tier
from tests.provisioner.support.cluster import API_KEY, LICENSE_KEY, make_settings

SETTINGS = make_settings(real=False)
KINDS = ["Namespace", "ResourceQuota", "Secret", "PersistentVolumeClaim", "Service", "Deployment"]


def _values(tier: str = "starter", settings: Settings = SETTINGS) -> dict[str, Any]:
    return build_values("acme", "web", "acme--web", TIERS[tier], settings)


def _cpu_m(quantity: str) -> int:
    return int(quantity[:-1]) if quantity.endswith("m") else int(float(quantity) * 1000)


def _mi(quantity: str) -> int:
    return int(quantity[:-2]) * (1024 if quantity.endswith("Gi") else 1)


def test_schema_is_valid_draft_2020_12() -> None:
    jsonschema.Draft202012Validator.check_schema(values_schema())
    assert values_schema()["properties"]["tier"]["enum"] == sorted(TIERS, key=list(TIERS).index)


@pytest.mark.parametrize("tier", sorted(TIERS))
def test_every_tier_values_validate(tier: str) -> None:
    validate_values(_values(tier))  # raises on invalid values
    validator = jsonschema.Draft202012Validator(values_schema())
    assert [e.message for e in validator.iter_errors(_values(tier))] == []


@pytest.mark.parametrize("tier", sorted(TIERS))
def test_every_rendered_manifest_validates_strictly(tier: str) -> None:
    manifests = render_validated(_values(tier), SETTINGS.kubernetes_version)
    assert [m["kind"] for m in manifests] == KINDS
    for manifest in manifests:
        assert kubernetes_validate.validate(manifest, "1.33", strict=True) == "1.33"
        if manifest["kind"] != "Namespace":
            assert manifest["metadata"]["namespace"] == "acme--web"


@pytest.mark.parametrize("tier", sorted(TIERS))
def test_manifests_carry_the_tier_sizes(tier: str) -> None:
    size: Tier = TIERS[tier]
    by_kind = {m["kind"]: m for m in render(_values(tier))}
    deployment = by_kind["Deployment"]["spec"]
    assert deployment["replicas"] == size.replicas
    resources = deployment["template"]["spec"]["containers"][0]["resources"]
    assert _cpu_m(resources["requests"]["cpu"]) == size.cpu_request_m
    assert _cpu_m(resources["limits"]["cpu"]) == size.cpu_limit_m
    assert _mi(resources["limits"]["memory"]) == size.memory_limit_mi
    claim = by_kind["PersistentVolumeClaim"]["spec"]["resources"]["requests"]["storage"]
    assert claim == f"{size.storage_gi}Gi"
    hard = by_kind["ResourceQuota"]["spec"]["hard"]
    # The quota must admit every replica plus one surge pod, or rollouts stall.
    pods = size.replicas + 1
    assert int(hard["pods"]) == pods
    assert _cpu_m(hard["limits.cpu"]) == pods * _cpu_m(resources["limits"]["cpu"])
    assert _mi(hard["limits.memory"]) == pods * _mi(resources["limits"]["memory"])
    assert _mi(hard["requests.storage"]) >= _mi(claim)


def test_selector_matches_pod_labels_and_service() -> None:
    by_kind = {m["kind"]: m for m in render(_values())}
    selector = by_kind["Deployment"]["spec"]["selector"]["matchLabels"]
    pod_labels = by_kind["Deployment"]["spec"]["template"]["metadata"]["labels"]
    assert selector.items() <= pod_labels.items()
    assert by_kind["Service"]["spec"]["selector"] == selector
    ports = by_kind["Deployment"]["spec"]["template"]["spec"]["containers"][0]["ports"]
    assert by_kind["Service"]["spec"]["ports"][0]["targetPort"] in {p["name"] for p in ports}


def test_secret_holds_each_key_under_its_own_name() -> None:
    secret = next(m for m in render(_values()) if m["kind"] == "Secret")
    assert secret["stringData"] == {"API_KEY": API_KEY, "LICENSE_KEY": LICENSE_KEY}
    deployment = next(m for m in render(_values()) if m["kind"] == "Deployment")
    env = deployment["spec"]["template"]["spec"]["containers"][0]["env"]
    refs = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in env}
    assert refs["API_KEY"] == {"name": secret["metadata"]["name"], "key": "API_KEY"}


def test_templates_list_matches_the_package_files() -> None:
    from importlib.resources import files

    shipped = {p.name for p in files("provisioner").joinpath("chart", "templates").iterdir()}
    assert shipped == set(TEMPLATES)


@pytest.mark.parametrize(
    ("path", "bad", "field"),
    [
        (("resources", "limits", "cpu"), "two", "resources.limits.cpu"),
        (("resources", "requests", "memory"), "128MB", "resources.requests.memory"),
        (("replicas",), 0, "replicas"),
        (("replicas",), "3", "replicas"),
        (("instance", "namespace"), "Acme_Web", "instance.namespace"),
        (("storage", "size"), "lots", "storage.size"),
        (("image",), "Bad Image", "image"),
        (("tier",), "enterprise", "tier"),
    ],
)
def test_values_breaking_the_schema_are_rejected_naming_the_field(
    path: tuple[str, ...], bad: object, field: str
) -> None:
    values = copy.deepcopy(_values())
    target = values
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = bad
    with pytest.raises(ValuesError, match=rf"invalid chart values: {field}: "):
        render(values)


def test_missing_and_unknown_values_are_named() -> None:
    values = _values()
    del values["storage"]
    values["extra"] = 1
    with pytest.raises(ValuesError, match="'storage' is a required property") as info:
        validate_values(values)
    assert "'extra' was unexpected" in str(info.value)


def test_schema_errors_never_echo_secret_values() -> None:
    short_key = "short-secret-xyz"  # 16 chars is the minimum; make it invalid by a space
    values = _values()
    values["secrets"]["apiKey"] = short_key[:-1] + " "
    with pytest.raises(ValuesError, match=r"secrets.apiKey: violates 'pattern'") as info:
        validate_values(values)
    assert short_key[:-1] not in str(info.value)


def test_strict_manifest_validation_rejects_unknown_fields() -> None:
    deployment = copy.deepcopy(render(_values())[-1])
    deployment["spec"]["template"]["spec"]["containers"][0]["imagePullPolcy"] = "Always"
    with pytest.raises(ManifestError, match=r"Deployment manifest invalid at spec\.template"):
        validate_manifest(deployment, "1.33")


def test_manifest_validation_reports_unknown_kinds_and_versions() -> None:
    with pytest.raises(ManifestError, match="Couldn't find schema for kind Gadget"):
        validate_manifest({"apiVersion": "v1", "kind": "Gadget", "metadata": {"name": "g"}}, "1.33")
    with pytest.raises(ManifestError, match=r"does not support version 9.9"):
        validate_manifest(render(_values())[0], "9.9")


def test_unknown_tier_lists_valid_ones() -> None:
    with pytest.raises(ValuesError, match=r"unknown tier 'gold' .valid: free, professional"):
        get_tier("gold")
