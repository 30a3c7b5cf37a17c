"""Use cases of p311desk. Each function takes an ``orm.Session`` (the unit of work, opened by
``Database.write()`` or ``Database.read()``) and plain values, and returns plain dataclasses or
raises a :class:`p311desk.errors.DomainError`. The UI, the CLI and the tests call these."""
