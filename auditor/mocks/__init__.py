"""Mock-scope and test-smell analysis (``audit mocks``).

The analysis reads the test code with libcst (in parallel, cached by file
content hash under ``.audit/``), resolves every patch target through the test
module's imports and the project's import graph, and applies the rules of
:mod:`auditor.mocks.rules`. When the single test run of the audit happened,
the number of assertions each test actually executed refines the
``test-no-assert`` verdicts.
"""
