"""The blueprint shared by the courses view modules."""

from flask import Blueprint

bp = Blueprint("courses", __name__)
