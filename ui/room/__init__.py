"""The room's screen: what the people in the room see on the projector (see :mod:`ui.room.display`)."""
