"""``python -m appraisal`` runs the command line."""

from appraisal.cli import main

raise SystemExit(main())
