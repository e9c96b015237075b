"""The roadmap domain."""
