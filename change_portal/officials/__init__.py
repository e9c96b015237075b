"""The elected officials' views, which compose the roadmap and the projects: the
dashboard, the council reports (PDF, CSV) and the open data. The one package allowed
to import both (tests/test_import_rules.py), so that roadmap never imports projects."""
