"""The frozen builds' one entry script: ``p311desk`` starts the window, ``p311desk-cli`` the
command line. Both executables are made from this script by the spec file; the name of the
executable that runs decides which (``p311desk-cli``, ``p311desk-cli.exe``)."""

import sys
from pathlib import Path

from main import cli_main, gui_main

if __name__ == "__main__":
    sys.exit(cli_main() if Path(sys.executable).stem.lower().endswith("-cli") else gui_main())
