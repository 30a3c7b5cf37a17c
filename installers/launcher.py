"""The frozen builds' one entry script: ``p311desk`` starts the window, ``p311desk-cli`` the
command line. On Windows the spec file makes two executables from this script (a windowed and a
console one); on Linux and macOS ``p311desk-cli`` is a symbolic link to ``p311desk``. The name
the program was started by decides (``p311desk-cli``, ``p311desk-cli.exe``)."""

import sys
from pathlib import Path


def wants_cli() -> bool:
    names = (Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "", Path(sys.executable).name)
    return any(name.lower().removesuffix(".exe").endswith("-cli") for name in names)


if __name__ == "__main__":
    from main import cli_main, gui_main

    sys.exit(cli_main() if wants_cli() else gui_main())
