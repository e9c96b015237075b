"""Access rules of the forums domain."""

from tests.access import MEMBER, Rule

RULES = {
    "forums.index": Rule(MEMBER),
}


def objects(org, users) -> dict:
    """URL parameter values for rows of the forums domain owned by `org`."""
    return {}
