"""``python -m appraisal`` runs the command line."""

from appraisal.cli.commands import main

raise SystemExit(main())
