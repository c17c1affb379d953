"""Provision SaaS tenant instances on Kubernetes and keep their state in SQLite.

The package is deliberately small but real: a status state machine backed by a
versioned SQLite schema, a jinja2 chart validated against its own values schema
and the Kubernetes OpenAPI schemas, and cluster operations through the official
``kubernetes`` client.  It exists so the test-quality auditor has a real system
to audit (see ``docs/provisioner.md``).
"""

__version__ = "0.1.0"
