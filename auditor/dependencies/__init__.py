"""The dependencies analysis: what each test really touches (see analysis.py)."""
