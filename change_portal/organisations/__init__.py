"""Collectivités (tenants) and their services."""
