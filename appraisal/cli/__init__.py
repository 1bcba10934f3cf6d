"""The command line: one explicit table of commands (:data:`appraisal.cli.commands.COMMANDS`),
each handler imported when its command runs. The edge of the package: nothing imports it.
"""

from appraisal.cli.commands import main

__all__ = ["main"]
