"""Mutation testing through mutmut 3.x: staging, running, reading, scoring.

mutmut is run as a subprocess in a working folder owned by the auditor
(``.audit/mutation/``), never in the user's tree; its result files are read
back and turned into a :class:`~auditor.mutation.result.MutationResult`.
"""
