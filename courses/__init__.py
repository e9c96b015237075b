"""Learning domain: modules authored in Markdown, lessons, quizzes, progress, attestations.

Importing the package loads nothing else: the format (`courses.format`) is usable without
Flask or a database; `courses.setup.init_app` wires the domain into the application."""
