"""``python -m loaders``: see loaders/cli.py."""

import sys

from .cli import main

sys.exit(main())
