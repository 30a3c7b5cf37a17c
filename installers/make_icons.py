"""Render installers/p311desk.svg into the icons the builds need (generated at build time, never
committed): OUT/p311desk.png (256 px, Linux menu entry), OUT/p311desk.ico (Windows, 16-256 px)
and OUT/p311desk.icns (macOS; with Pillow).

    python installers/make_icons.py OUT
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(out: str) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication([])
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    renderer = QSvgRenderer(str(HERE / "p311desk.svg"))
    if not renderer.isValid():
        raise SystemExit("installers/p311desk.svg is not a valid SVG")
    image = QImage(1024, 1024, QImage.Format_ARGB32)
    image.fill(Qt.transparent)
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    big = folder / "p311desk-1024.png"
    image.save(str(big))
    image.scaled(256, 256, Qt.KeepAspectRatio, Qt.SmoothTransformation).save(str(folder / "p311desk.png"))
    from PIL import Image

    with Image.open(big) as pil:
        pil.save(folder / "p311desk.ico", sizes=[(16, 16), (24, 24), (32, 32), (48, 48), (64, 64), (128, 128), (256, 256)])
        pil.save(folder / "p311desk.icns")
    print(f"icons in {folder}: p311desk.png, p311desk.ico, p311desk.icns")


if __name__ == "__main__":
    main(*sys.argv[1:])
