"""Forums and user needs (besoins usagers). `forums.setup.init_app` wires the domain into
the application; importing the package loads nothing else."""
