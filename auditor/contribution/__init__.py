"""Tests that add nothing: what each test contributes to the kill matrix.

:mod:`auditor.contribution.kills` computes, from which tests cover and kill
each mutant, every test's *unique kills* (mutants only it kills), the
redundant tests and the tests that cover mutated code and kill nothing; and,
for a set of new tests, which of them kill a mutant no older test kills.
:mod:`auditor.contribution.section` turns that into the report section, the
declared metrics and the findings. Both import only leaf modules and name no
analysis, so the mutation analysis (which hands its kill matrix in, and finds
the tests changed since a ref with :mod:`auditor.mutation.changed_tests`) and
the history's review use them alike.
"""
