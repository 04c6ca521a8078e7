"""Demo data: a vendor's support network and its customers, generated deterministically."""
