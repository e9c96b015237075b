"""People: users, roles, login sessions, invitations."""
