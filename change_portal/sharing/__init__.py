"""Retours d'expérience between collectivités (issue 14). See README.md here."""
