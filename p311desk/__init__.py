"""p311desk core: the domain model, storage and use cases of an offline participation session.

This package is pure Python. It never imports Qt, the ``ui`` or ``sync`` packages, or anything that
opens a network connection, so the whole session logic runs headless (CLI, tests, sync engine).
"""

__version__ = "0.1.0"
