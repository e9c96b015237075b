"""Shared kernel: used by every domain, imports none of them."""
