"""Findings about the analysis itself: bad-suppression and parse-error."""

from __future__ import annotations

from auditor.mocks.rules.base import Example, Rule


class BadSuppression(Rule):
    id = "bad-suppression"
    message = "suppression comment without a reason, or naming an unknown rule"
    severity = "warning"
    rationale = """
        `# audit: ignore[rule-id] reason` silences a finding on its line, or in
        the whole test when written on the `def` line. The reason is required so
        that a reviewer can judge it; a suppression without one (or naming a rule
        that does not exist) suppresses nothing and is reported itself.
        Suppressed findings stay visible in the reports as "ignored".
    """
    invalid = (
        Example(
            """
            def test_sleeps():  # audit: ignore[test-no-assert]
                sum([1])
            """,
        ),
    )
    valid = (
        Example(
            """
            def test_smoke():  # audit: ignore[test-no-assert] smoke test: raising fails it
                sum([1])
            """,
        ),
    )


BAD_SUPPRESSION = BadSuppression()


class UnparsableFile(Rule):
    id = "parse-error"
    message = "file cannot be decoded or parsed"
    severity = "error"
    rationale = """
        A file with a syntax error or bytes that are not valid in its declared
        encoding cannot be analysed; it is reported with the position of the
        problem and the rest of the project is analysed as usual.
    """
    invalid = (Example("def test_broken(:\n    pass\n"),)
    valid = (Example("def test_fine():\n    assert sum([1]) == 1\n"),)


PARSE_ERROR = UnparsableFile()

RULES = (BAD_SUPPRESSION, PARSE_ERROR)
