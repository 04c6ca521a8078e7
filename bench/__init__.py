"""One-command benchmarks; each prints one JSON line (see README.md)."""
