"""Collectivités (tenants) and their services."""

from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from change_portal.core.labels import label
from change_portal.core.models import TenantMixin, TimestampMixin
from change_portal.extensions import db


class OrganisationKind(enum.StrEnum):
    COMMUNE = "commune"
    INTERCOMMUNALITE = "intercommunalite"
    DEPARTEMENT = "departement"
    REGION = "region"


KIND_LABELS = {
    OrganisationKind.COMMUNE: _l("Commune"),
    OrganisationKind.INTERCOMMUNALITE: _l("Intercommunalité"),
    OrganisationKind.DEPARTEMENT: _l("Département"),
    OrganisationKind.REGION: _l("Région"),
}

# The 18 regions (13 in mainland France and Corsica, 5 overseas), by INSEE code.
REGIONS: tuple[tuple[str, str], ...] = (
    ("84", "Auvergne-Rhône-Alpes"),
    ("27", "Bourgogne-Franche-Comté"),
    ("53", "Bretagne"),
    ("24", "Centre-Val de Loire"),
    ("94", "Corse"),
    ("44", "Grand Est"),
    ("32", "Hauts-de-France"),
    ("11", "Île-de-France"),
    ("28", "Normandie"),
    ("75", "Nouvelle-Aquitaine"),
    ("76", "Occitanie"),
    ("52", "Pays de la Loire"),
    ("93", "Provence-Alpes-Côte d'Azur"),
    ("01", "Guadeloupe"),
    ("02", "Martinique"),
    ("03", "Guyane"),
    ("04", "La Réunion"),
    ("06", "Mayotte"),
)
REGION_NAMES = dict(REGIONS)


# Common nouns that open many collectivités' names, with the article they take after "de".
_NAME_ARTICLES = {
    "ville": "de la", "commune": "de la", "communauté": "de la", "métropole": "de la",
    "région": "de la", "eurométropole": "de l'", "agglomération": "de l'",
    "département": "du", "conseil": "du", "syndicat": "du", "pays": "du",
    "collectivité": "de la", "mairie": "de la",
}


def of_name(name: str) -> str:
    """"de" + a collectivité's name, contracted as French wants it."""
    name = name.strip()
    first, _, rest = name.partition(" ")
    low = first.lower()
    if low in ("le", "les") and rest:
        return ("du " if low == "le" else "des ") + rest
    if low == "la" and rest:
        return "de la " + rest
    if low.startswith("l'") or low.startswith("l’"):
        return "de " + name
    article = _NAME_ARTICLES.get(low)
    if article:
        return f"{article}{'' if article.endswith(chr(39)) else ' '}{name}"
    if low[:1] in "aeiouyàâéèêîôûh" and low[:1]:
        return "d'" + name
    return "de " + name


class Organisation(TimestampMixin, db.Model):
    """One collectivité: a tenant whose data no other tenant sees."""

    __tablename__ = "organisation"
    __table_args__ = (CheckConstraint("population >= 0", name="population_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(160), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    population: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    #: INSEE code of the region (organisations.strata.REGIONS); optional
    region: Mapped[str | None] = mapped_column(String(3), nullable=True)
    roadmap_published: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    services: Mapped[list[Service]] = relationship(
        back_populates="organisation", order_by="Service.name", cascade="all, delete-orphan"
    )

    @property
    def kind_label(self) -> str:
        return label(KIND_LABELS, self.kind)

    @property
    def region_name(self) -> str:
        return REGION_NAMES.get(self.region or "", "")

    @property
    def of_name(self) -> str:
        """The name after "de", with French contraction: "de la Ville de Beaumont-sur-Lys",
        "du Département du Nord", "d'Arras", "de Beaumont-sur-Lys"."""
        return of_name(self.name)

    def __repr__(self) -> str:
        return f"<Organisation {self.slug}>"


class Service(TenantMixin, TimestampMixin, db.Model):
    """A department of a collectivité (État civil, Urbanisme, Accueil…)."""

    __tablename__ = "service"
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("service.id", ondelete="SET NULL"), nullable=True
    )

    organisation: Mapped[Organisation] = relationship(back_populates="services")

    def __repr__(self) -> str:
        return f"<Service {self.name}>"
