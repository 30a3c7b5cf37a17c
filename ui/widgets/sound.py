"""Optional sounds at the door: a short high tone on success, a low double tone on refusal.

Off unless chosen in Settings (kept in QSettings: it belongs to this laptop, not to the data).
QtMultimedia is imported only when a sound is first played, and a machine without an audio
output (or without QtMultimedia's system libraries) stays silent instead of failing.
"""

from __future__ import annotations

import logging
import math
import struct
import wave
from pathlib import Path

log = logging.getLogger(__name__)

SETTING = "door/sound"
_effects: dict[str, object] | None = None


def enabled(ctx) -> bool:
    return str(ctx.qsettings.value(SETTING, "false")).lower() in ("true", "1")


def set_enabled(ctx, on: bool) -> None:
    ctx.qsettings.setValue(SETTING, "true" if on else "false")


def _tone(path: Path, parts: list[tuple[float, float]], rate: int = 22050) -> None:
    frames = bytearray()
    for freq, seconds in parts:
        n = int(rate * seconds)
        for i in range(n):
            fade = min(1.0, i / 200, (n - i) / 200)  # no clicks at the edges
            value = 0.35 * fade * math.sin(2 * math.pi * freq * i / rate) if freq else 0.0
            frames += struct.pack("<h", int(value * 32767))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(bytes(frames))


def _load() -> dict[str, object]:
    """The two sound effects, or {} where no audio output exists."""
    try:
        from PySide6.QtCore import QUrl
        from PySide6.QtMultimedia import QMediaDevices, QSoundEffect

        if not QMediaDevices.audioOutputs():
            log.info("no audio output: door sounds stay silent")
            return {}
        from p311desk.paths import cache_dir

        folder = Path(cache_dir()) / "sounds"
        folder.mkdir(parents=True, exist_ok=True)
        tones = {"success": [(880.0, 0.12), (1320.0, 0.12)], "refusal": [(220.0, 0.18), (0.0, 0.06), (220.0, 0.18)]}
        effects = {}
        for name, parts in tones.items():
            path = folder / f"{name}.wav"
            if not path.exists():
                _tone(path, parts)
            effect = QSoundEffect()
            effect.setSource(QUrl.fromLocalFile(str(path)))
            effect.setVolume(0.8)
            effects[name] = effect
        return effects
    except Exception:  # noqa: BLE001 - sound is a nicety: never a reason to fail a check-in
        log.warning("door sounds unavailable", exc_info=True)
        return {}


def play(ctx, name: str) -> bool:
    """Play ``success`` or ``refusal`` if sounds are on and an output exists; True if it played."""
    global _effects
    if not enabled(ctx):
        return False
    if _effects is None:
        _effects = _load()
    effect = _effects.get(name)
    if effect is None:
        return False
    effect.play()
    return True
