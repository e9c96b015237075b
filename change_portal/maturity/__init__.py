"""Observatoire de la maturité numérique: self-diagnosis of each collectivité
against a shared referential, positioning among its peers without any ranking,
and the association's observatory (aggregates only)."""
