"""``python -m helpers.samples``: see :mod:`helpers.samples.cli`."""

import sys

from helpers.samples.cli import main

sys.exit(main())
