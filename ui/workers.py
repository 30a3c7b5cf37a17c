"""Running core and sync calls off the UI thread, with progress, cancel and error signals.

The core side of long work takes ``progress(done, total, message)`` and a ``threading.Event``
cancel flag and knows nothing of Qt; this module adapts that to signals and a progress dialog.
Database writes go through one single-thread pool (SQLite has one writer); reads and network
work use the global pool. Pages use the builder::

    Op(ctx, fn).on_success(show).with_progress(_("Importing…")).run()

where ``fn(progress, cancel)`` returns a value handed to ``show``. A :class:`DomainError` raised by
``fn`` reaches the message bar in the user's language; anything else is logged and reported as an
unexpected error.

A result belongs to a widget: ``Op(...).bound_to(page)`` drops the result (and the failure) when
that widget was deleted or retired (pages are rebuilt when the language changes) before the
worker finished, instead of applying it to a widget that is gone.
"""

from __future__ import annotations

import inspect
import logging
import threading
import traceback
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from p311desk.errors import DomainError
from p311desk.i18n import _

log = logging.getLogger(__name__)


class WorkerSignals(QObject):
    """Signals: progress(done, total, message), succeeded(result), failed(exception), finished()."""

    progress = Signal(int, int, str)
    succeeded = Signal(object)
    failed = Signal(object)
    finished = Signal()


class Worker(QRunnable):
    def __init__(self, fn: Callable[[Callable, threading.Event], Any]) -> None:
        super().__init__()
        self.fn = fn
        self.cancel = threading.Event()
        self.signals = WorkerSignals()

    def run(self) -> None:  # runs in a pool thread
        try:
            result = self.fn(self._progress, self.cancel)
        except Exception as exc:  # noqa: BLE001 - every failure must reach the UI
            if not isinstance(exc, DomainError):
                log.error("worker failed:\n%s", traceback.format_exc())
            self.signals.failed.emit(exc)
        else:
            self.signals.succeeded.emit(result)
        finally:
            self.signals.finished.emit()

    def _progress(self, done: int, total: int, message: str = "") -> None:
        self.signals.progress.emit(int(done), int(total), message or "")


class Pools:
    """The application's worker pools: one writer, many readers/network calls."""

    def __init__(self) -> None:
        self.write = QThreadPool()
        self.write.setMaxThreadCount(1)
        self.general = QThreadPool.globalInstance()
        self._running: set[Worker] = set()

    def start(self, worker: Worker, *, write: bool) -> None:
        self._running.add(worker)
        worker.signals.finished.connect(lambda: self._running.discard(worker))
        (self.write if write else self.general).start(worker)

    def wait(self, msecs: int = 10000) -> bool:
        return self.write.waitForDone(msecs) and self.general.waitForDone(msecs)

    @property
    def busy(self) -> bool:
        return bool(self._running)


def alive(widget: QObject) -> bool:
    """False once ``widget`` (or a parent) was deleted or marked ``retired`` (a rebuilt page)."""
    obj = widget
    while obj is not None:
        if not shiboken6.isValid(obj) or getattr(obj, "retired", False):
            return False
        obj = obj.parent()
    return True


def error_text(exc: BaseException) -> str:
    if isinstance(exc, DomainError):
        return exc.message()
    return _("Something went wrong and nothing was changed. Details are in the log: {error}").format(
        error=type(exc).__name__)


class Op:
    """Builder for a piece of background work started from a page."""

    def __init__(self, ctx, fn: Callable[..., Any], *, write: bool = True,
                 parent: QWidget | None = None) -> None:
        self.ctx = ctx
        self.fn = fn
        self.write = write
        self.parent = parent
        self._success: Callable[[Any], None] | None = None
        self._failure: Callable[[BaseException], None] | None = None
        self._progress_label: str | None = None
        self._changed: str | None = None
        self._owner: QObject | None = None

    def bound_to(self, owner: QObject) -> Op:
        """Deliver the outcome only while ``owner`` lives and is not retired (see :func:`alive`)."""
        self._owner = owner
        return self

    def on_success(self, fn: Callable[[Any], None]) -> Op:
        self._success = fn
        return self

    def on_failure(self, fn: Callable[[BaseException], None]) -> Op:
        self._failure = fn
        return self

    def with_progress(self, label: str) -> Op:
        self._progress_label = label
        return self

    def changes(self, what: str) -> Op:
        """Announce ``ctx.data_changed(what)`` after success, so pages and status bar refresh."""
        self._changed = what
        return self

    def run(self) -> Worker:
        worker = Worker(self._call)
        dialog = None
        if self._progress_label:
            dialog = QProgressDialog(self._progress_label, _("Cancel"), 0, 0, self.parent)
            dialog.setObjectName("progressDialog")
            dialog.setWindowModality(Qt.WindowModal)
            dialog.setMinimumDuration(400)
            dialog.canceled.connect(worker.cancel.set)

            def on_progress(done: int, total: int, message: str) -> None:
                dialog.setMaximum(max(total, 0))
                dialog.setValue(min(done, total) if total else 0)
                if message:
                    dialog.setLabelText(f"{self._progress_label}\n{message}")

            worker.signals.progress.connect(on_progress)
            worker.signals.finished.connect(dialog.reset)
            worker.signals.finished.connect(dialog.deleteLater)
        worker.signals.succeeded.connect(self._succeeded)
        worker.signals.failed.connect(self._failed)
        self.ctx.pools.start(worker, write=self.write)
        return worker

    def _call(self, progress, cancel):
        # Short jobs are plain ``fn()``; long ones take ``fn(progress, cancel)``.
        if len(inspect.signature(self.fn).parameters) >= 2:
            return self.fn(progress, cancel)
        return self.fn()

    def _succeeded(self, result: Any) -> None:
        if self._changed:
            self.ctx.data_changed.emit(self._changed)
        if self._owner is not None and not alive(self._owner):
            log.info("dropped a worker's result: its widget was rebuilt")
            return
        if self._success:
            self._success(result)

    def _failed(self, exc: BaseException) -> None:
        if self._owner is not None and not alive(self._owner):
            if self._changed is None:  # a read for a page that is gone: nobody waits for it
                return
            self._owner = None  # a write failed: the user still has to hear it
            self._failure = None
        if self._failure:
            self._failure(exc)
        else:
            self.ctx.notify(error_text(exc), "error")


def write_op(ctx, service: Callable[..., Any], *args: Any, **kwargs: Any) -> Op:
    """An ``Op`` that calls ``service(session, *args, **kwargs)`` in one write unit of work:
    the common case of a page asking a core service to change one thing."""

    def work():
        with ctx.db.write() as s:
            return service(s, *args, **kwargs)

    return Op(ctx, work)
