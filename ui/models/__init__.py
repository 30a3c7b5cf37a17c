"""Qt table models: thin adapters over rows (plain dataclasses) returned by core services."""
