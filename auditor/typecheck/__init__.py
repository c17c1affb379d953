"""The ``typecheck`` analysis: mypy's errors in the gate, with a baseline for legacy code."""
