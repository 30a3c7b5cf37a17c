"""The GUI end-to-end tests use the same window fixtures as the widget tests."""

from tests.ui.conftest import _no_running_workers, qsettings, typist, wait_idle, window  # noqa: F401
