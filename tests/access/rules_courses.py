"""Access rules of the courses domain."""

from tests.access import MEMBER, Rule

RULES = {
    "courses.catalogue": Rule(MEMBER),
}


def objects(org, users) -> dict:
    """URL parameter values for rows of the courses domain owned by `org`."""
    return {}
