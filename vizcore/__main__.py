"""Command line: ``python -m vizcore models --json`` and friends."""
from vizcore.cli import main

raise SystemExit(main())
