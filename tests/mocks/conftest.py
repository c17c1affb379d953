"""The corpus is data: pytest's doctest plugin would collect ``test*.txt``."""

collect_ignore_glob = ["corpus/*"]
