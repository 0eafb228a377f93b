"""`python -m retrieval`: the management CLI (see `retrieval.cli`)."""

import sys

from .cli import main

sys.exit(main())
