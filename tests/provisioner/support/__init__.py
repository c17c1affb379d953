"""Test support for the provisioner: a Kubernetes API test server and fixtures' helpers."""
