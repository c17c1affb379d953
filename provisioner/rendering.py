"""The instance chart: build values, validate them, render and validate manifests.

Templates and ``values.schema.json`` live in ``provisioner/chart`` and are read
with ``importlib.resources`` so they work from a wheel.  Two validation gates:
values against the chart's JSON schema (errors name the offending field but
never echo a value, which could be a secret), and every rendered manifest
against the Kubernetes OpenAPI schema in strict mode, so an unknown or
misspelled field fails here instead of being silently dropped by a cluster.
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from typing import Any

import jinja2
import jsonschema
import kubernetes_validate
import kubernetes_validate.utils
import yaml

from provisioner.errors import ManifestError, ValuesError
from provisioner.settings import Settings
from provisioner.tiers import Tier

Manifest = dict[str, Any]

# Apply order: the namespace first, the quota before anything that consumes it,
# the Secret and PVC before the Deployment that mounts them.
TEMPLATES = (
    "namespace.yaml.j2",
    "resourcequota.yaml.j2",
    "secret.yaml.j2",
    "persistentvolumeclaim.yaml.j2",
    "service.yaml.j2",
    "deployment.yaml.j2",
)
MANAGED_BY = "provisioner"
DEPLOYMENT_NAME = "instance"


def _chart_file(name: str) -> str:
    return files("provisioner").joinpath("chart", name).read_text(encoding="utf-8")


@cache
def values_schema() -> dict[str, Any]:
    """The parsed ``values.schema.json``."""
    schema: dict[str, Any] = json.loads(_chart_file("values.schema.json"))
    return schema


@cache
def _environment() -> jinja2.Environment:
    # StrictUndefined: a misspelled value name is an error, not an empty string.
    return jinja2.Environment(
        loader=jinja2.FunctionLoader(lambda name: _chart_file(f"templates/{name}")),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
    )


def build_values(tenant: str, name: str, namespace: str, tier: Tier, settings: Settings) -> dict[
    str, Any
]:
    """Chart values for one instance of ``tier``."""
    return {
        "instance": {"tenant": tenant, "name": name, "namespace": namespace},
        "tier": tier.name,
        "replicas": tier.replicas,
        "image": settings.image,
        "resources": {
            "requests": {"cpu": f"{tier.cpu_request_m}m", "memory": f"{tier.memory_request_mi}Mi"},
            "limits": {"cpu": f"{tier.cpu_limit_m}m", "memory": f"{tier.memory_limit_mi}Mi"},
        },
        "quota": tier.quota(),
        "storage": {"size": f"{tier.storage_gi}Gi"},
        "secrets": {
            "apiKey": settings.api_key.reveal(),
            "licenseKey": settings.license_key.reveal(),
        },
    }


def _describe(error: jsonschema.ValidationError) -> str:
    """A message naming the field and the rule, never the (possibly secret) value."""
    field = ".".join(str(part) for part in error.absolute_path) or "(root)"
    if error.validator in ("required", "additionalProperties"):
        # These messages only contain property names, which are safe to show.
        return f"{field}: {error.message}"
    if error.validator == "enum":
        return f"{field}: must be one of {error.validator_value}"
    return f"{field}: violates '{error.validator}' ({error.validator_value})"


def validate_values(values: dict[str, Any]) -> None:
    """Raise ``ValuesError`` naming every field that breaks ``values.schema.json``."""
    validator = jsonschema.Draft202012Validator(values_schema())
    errors = sorted(validator.iter_errors(values), key=lambda e: list(e.absolute_path))
    if errors:
        raise ValuesError("invalid chart values: " + "; ".join(_describe(e) for e in errors))


def _labels(values: dict[str, Any]) -> dict[str, str]:
    return {
        "app.kubernetes.io/managed-by": MANAGED_BY,
        "app.kubernetes.io/instance": values["instance"]["name"],
        "provisioner.example.com/tenant": values["instance"]["tenant"],
    }


def _yaml_block(data: dict[str, str]) -> str:
    return yaml.safe_dump(data, default_flow_style=False, sort_keys=True).rstrip("\n")


def render(values: dict[str, Any]) -> list[Manifest]:
    """Validate ``values`` and render every template into a manifest dict."""
    validate_values(values)
    labels = _labels(values)
    selector = {"app.kubernetes.io/instance": labels["app.kubernetes.io/instance"]}
    manifests: list[Manifest] = []
    for template in TEMPLATES:
        text = _environment().get_template(template).render(
            v=values, labels=_yaml_block(labels), selector=_yaml_block(selector)
        )
        manifests.append(yaml.safe_load(text))
    return manifests


def validate_manifest(manifest: Manifest, kubernetes_version: str) -> None:
    """Validate one manifest strictly against the bundled Kubernetes schemas."""
    try:
        kubernetes_validate.validate(manifest, kubernetes_version, strict=True)
    except kubernetes_validate.ValidationError as exc:
        where = ".".join(str(part) for part in exc.path) or "(root)"
        kind = manifest.get("kind", "?")
        raise ManifestError(f"{kind} manifest invalid at {where}: {exc.validator} failed") from None
    except (
        kubernetes_validate.utils.SchemaNotFoundError,
        kubernetes_validate.utils.VersionNotSupportedError,
    ) as exc:
        raise ManifestError(f"cannot validate manifest: {exc.message}") from None


def render_validated(values: dict[str, Any], kubernetes_version: str) -> list[Manifest]:
    """Render and strictly validate every manifest (the only path the provisioner uses)."""
    manifests = render(values)
    for manifest in manifests:
        validate_manifest(manifest, kubernetes_version)
    return manifests
