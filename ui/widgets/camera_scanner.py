"""Optional webcam QR scanning: QtMultimedia (imported only when the camera is switched on)
shows the picture; a few frames a second are decoded by zxing-cpp in a worker thread.

Without a camera, or without zxing-cpp installed, :func:`camera_available` says so and the
check-in page keeps working with a USB scanner or the keyboard.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from p311desk.i18n import _
from ui.workers import Op

DECODE_INTERVAL_S = 0.25
REPEAT_SUPPRESS_S = 3.0


def camera_available() -> bool:
    try:
        import zxingcpp  # noqa: F401
        from PySide6.QtMultimedia import QMediaDevices
    except ImportError:
        return False
    return bool(QMediaDevices.videoInputs())


def decode_image(image: QImage) -> str | None:
    """The text of the first QR code (or other barcode) in ``image``, if any."""
    import numpy as np
    import zxingcpp

    gray = image.convertToFormat(QImage.Format_Grayscale8)
    width, height, stride = gray.width(), gray.height(), gray.bytesPerLine()
    if width == 0 or height == 0:
        return None
    buffer = np.frombuffer(gray.constBits(), dtype=np.uint8, count=stride * height).reshape(height, stride)
    found = zxingcpp.read_barcodes(np.ascontiguousarray(buffer[:, :width]))
    for barcode in found:
        if barcode.text:
            return barcode.text
    return None


class CameraScanner(QWidget):
    """A live camera view that emits ``decoded(text)`` for each new code it reads."""

    decoded = Signal(str)

    def __init__(self, ctx, parent=None) -> None:
        super().__init__(parent)
        from PySide6.QtMultimedia import QCamera, QMediaCaptureSession, QMediaDevices
        from PySide6.QtMultimediaWidgets import QVideoWidget

        self.setObjectName("cameraScanner")
        self.ctx = ctx
        self.view = QVideoWidget()
        self.view.setMinimumHeight(240)
        self.status = QLabel(_("Hold the QR code in front of the camera."))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        layout.addWidget(self.status)
        self.camera = QCamera(QMediaDevices.defaultVideoInput())
        self.session = QMediaCaptureSession()
        self.session.setCamera(self.camera)
        self.session.setVideoOutput(self.view)
        self.view.videoSink().videoFrameChanged.connect(self._frame)
        self._busy = False
        self._last_frame = 0.0
        self._last_text, self._last_time = "", 0.0

    def start(self) -> None:
        self.camera.start()

    def stop(self) -> None:
        self.camera.stop()

    def _frame(self, frame) -> None:
        now = time.monotonic()
        if self._busy or now - self._last_frame < DECODE_INTERVAL_S:
            return
        image = frame.toImage()
        if image.isNull():
            return
        self._busy, self._last_frame = True, now
        Op(self.ctx, lambda: decode_image(image), write=False).on_success(self._result).on_failure(
            lambda _exc: setattr(self, "_busy", False)).run()

    def _result(self, text: str | None) -> None:
        self._busy = False
        if not text:
            return
        now = time.monotonic()
        if text == self._last_text and now - self._last_time < REPEAT_SUPPRESS_S:
            return  # the same code still in front of the camera
        self._last_text, self._last_time = text, now
        self.decoded.emit(text)
