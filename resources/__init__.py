"""Bundled data files: icons, translation catalogs, consent texts. No code lives here."""
