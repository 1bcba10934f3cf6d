"""The arguments of every sub-command, as plain argparse functions.

One function per command (``run_arguments`` for ``appraisal run`` ...), listed with its
handler in :data:`appraisal.cli.commands.COMMANDS`. This module imports nothing of the
package, so building the parser (``appraisal --help``) stays cheap.
"""

from __future__ import annotations

import argparse

__all__ = [
    "case_arguments",
    "change_arguments",
    "convert_arguments",
    "csv_raw_argument",
    "demo_arguments",
    "memory_option",
    "params_arguments",
    "report_arguments",
    "run_arguments",
    "template_arguments",
    "uncertainty_arguments",
    "validate_arguments",
]


def case_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("case", help="case file (.yaml or .xlsx)")


def change_arguments(parser: argparse.ArgumentParser) -> None:
    """``--against PREVIOUS`` for ``run`` and ``validate`` (the Excel front end's notes)."""
    parser.add_argument("--against", metavar="PREVIOUS",
                        help="report which inputs changed against this earlier case file "
                             "(.xlsx or .yaml)")


def memory_option(parser: argparse.ArgumentParser) -> None:
    """``--memory SIZE``: the working-memory budget of the draws."""
    parser.add_argument("--memory", default=None, metavar="SIZE",
                        help="working-memory budget of the draws, in MB or with a unit "
                             "(e.g. 256, 2GB; default 512 MB); results do not depend on it")


def csv_raw_argument(parser: argparse.ArgumentParser) -> None:
    """``--csv-raw``: CSV text written exactly as it is (no formula neutralising)."""
    parser.add_argument("--csv-raw", action="store_true",
                        help="write CSV text exactly as it is; by default a text cell starting "
                             "with = + - @, a tab or a carriage return gets a leading ' so a "
                             "spreadsheet shows it instead of running it (README, Safety)")


def run_arguments(parser: argparse.ArgumentParser) -> None:
    case_arguments(parser)
    parser.add_argument("--out", "-o", required=True, help="output folder (created if missing)")
    parser.add_argument("--force", action="store_true", help="replace existing output files")
    memory_option(parser)
    csv_raw_argument(parser)
    change_arguments(parser)


def validate_arguments(parser: argparse.ArgumentParser) -> None:
    case_arguments(parser)
    change_arguments(parser)


def demo_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", "-o", default="demo-output", help="output folder "
                        "(default: demo-output)")
    parser.add_argument("--example", default="prevention", choices=("prevention", "capital",
                                                                    "minimal"))
    parser.add_argument("--force", action="store_true", help="replace existing output files")


def params_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("list", "show"))
    parser.add_argument("name", nargs="?", help="table name (for 'show')")
    parser.add_argument("--vintage", default="GB2026", help="parameter vintage (GB2026, GB2022)")
    parser.add_argument("--pack", help="folder of a user parameter pack to layer on top")
    parser.add_argument("--encoding", help="the pack's encoding if it is not UTF-8 (e.g. cp1252)")


def template_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-o", "--out", required=True, help="workbook to write (.xlsx)")
    parser.add_argument("--from", dest="source", help="fill it from this case (.yaml or .xlsx)")
    parser.add_argument("--years", type=int, default=None,
                        help="year columns of a blank template (default 60)")
    parser.add_argument("--force", action="store_true", help="replace an existing file")


def convert_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", help="case to convert (.yaml, .yml or .xlsx)")
    parser.add_argument("target", help="file to write (.xlsx, .yaml or .yml)")
    parser.add_argument("--force", action="store_true", help="replace an existing file")


def report_arguments(parser: argparse.ArgumentParser) -> None:
    case_arguments(parser)
    parser.add_argument("--out", "-o", required=True, help="the HTML file to write")
    parser.add_argument("--force", action="store_true", help="replace the file if it exists")
    parser.add_argument("--template-dir", help="folder of templates that override the "
                        "bundled ones, file by file (e.g. only report.css)")


MORRIS_DEFAULT = 20


def uncertainty_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("case", help="case file (.yaml or .xlsx) with an 'uncertainty:' section")
    parser.add_argument("--out", "-o", required=True, help="output folder (created if missing)")
    parser.add_argument("--draws", type=int, default=None,
                        help="Monte Carlo draws (default: the case's 'draws')")
    parser.add_argument("--seed", type=int, default=None, help="root seed (default: the "
                        "case's 'seed')")
    parser.add_argument("--sobol", type=int, default=None, metavar="N",
                        help="Sobol indices with N base samples (a power of 2)")
    parser.add_argument("--morris", type=int, nargs="?", const=MORRIS_DEFAULT, default=None,
                        metavar="TRAJECTORIES", help="Morris screening (default "
                        f"{MORRIS_DEFAULT} trajectories)")
    memory_option(parser)
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--threads", type=int, default=None, metavar="K",
                       help="evaluate chunks and analyses in K threads of this process "
                            "(default: one per core, up to 4; 1: one after another)")
    where.add_argument("--workers", type=int, default=None, metavar="K",
                       help="evaluate chunks in K local processes")
    where.add_argument("--dask", nargs="?", const="dask", default=None, metavar="ADDRESS",
                       help="evaluate chunks on Dask: a local cluster, or the scheduler at "
                            "ADDRESS (tcp://host:port)")
    parser.add_argument("--dask-timeout", type=float, default=None, metavar="SECONDS",
                        help="seconds to wait for the Dask scheduler at ADDRESS "
                             "(default: 10)")
    parser.add_argument("--force", action="store_true", help="replace existing output files")
    csv_raw_argument(parser)
