"""The ``suite`` analysis: how long the one test run took, and its slowest tests."""
