"""``python -m expacti`` is the ``expacti`` command."""

import sys

from ._cli import main

sys.exit(main())
