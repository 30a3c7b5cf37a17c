"""``python -m p311desk.cli`` — the same as ``p311desk-cli``."""

import sys

from p311desk.cli import main

sys.exit(main())
