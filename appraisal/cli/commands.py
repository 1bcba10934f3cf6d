"""Command line: thin commands over the library.

``appraisal run CASE --out DIR``, ``appraisal validate CASE``, ``appraisal demo``,
``appraisal params list|show NAME``. Exit codes: 0 success, 1 invalid input or a
refused output (every problem printed, nothing written), 2 usage error,
130 interrupted by Ctrl-C (SIGINT), 143 terminated (SIGTERM): one line is printed, the
staging folder is removed and the output folder is left as it was or complete.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from typing import NamedTuple

from appraisal.cli import arguments
from appraisal.cli.failure import fail, read_case
from appraisal.errors import AppraisalError, AppraisalValidationError

__all__ = ["COMMANDS", "Command", "Interrupted", "main"]


def _money(x: float | None, millions: bool = False) -> str:
    if x is None:
        return "n/a"
    text = f"£{abs(x) / 1e6:,.2f}m" if millions else f"£{abs(x):,.0f}"
    return f"({text})" if x < 0 else text


def summary_text(result) -> str:
    """A readable summary of a result: the headline, then every option's measures.

    Labels come from :data:`appraisal.engine.headline.LABELS`, the same as in every other output.
    """
    from appraisal.engine.headline import headline, headline_lines
    from appraisal.greenbook.cba import NET_SAVING, Conclusion

    cf = result.case.counterfactual.name
    lines = [f"{result.case.title}", f"{result.price_label}; business as usual is '{cf}'",
             f"{result.bcr_definition_text}.", ""]
    big = max((abs(v) for m in result.options for v in (m.pv_costs, m.pv_benefits)),
              default=0.0) >= 1e6

    def money(x: float | None) -> str:
        return _money(x, big)

    lines += [*headline_lines(headline(result), money), ""]
    width = max(len(m.name) for m in result.options) + 2
    absolute = f"{'PV costs':>14}{'PV benefits':>14}{'NPSV':>14}{'BCR':>8}"
    against = f"{'NPSV':>14}{'BCR':>8}  Value-for-money category"
    groups = (f"{'':<{width}}{' absolute ':-^50}  {' against business as usual ':-^46}")
    head = f"{'Option':<{width}}{absolute}  {against}"
    lines += [groups, head, "-" * max(len(head), len(groups))]
    for m in result.options:
        own = "n/a" if m.bcr is None else f"{m.bcr:.2f}"
        inc = "" if m.counterfactual else (f"{m.inc_bcr:.2f}" if m.inc_bcr is not None else
                                           "saving" if m.inc_net_saving else "n/a")
        lines.append(f"{m.name:<{width}}{money(m.pv_costs):>14}{money(m.pv_benefits):>14}"
                     f"{money(m.npsv):>14}{own:>8}  {money(m.inc_npsv):>14}{inc:>8}  "
                     f"{m.vfm_category or ''}")
    savers = [m.name for m in result.options if m.inc_net_saving]
    if savers:
        lines.append(f"saving = {NET_SAVING} against business as usual "
                     f"(no BCR; compare NPSV): {', '.join(savers)}")
    lines += ["", f"The preferred option has the highest NPSV: {result.preferred_option}"]
    pref = [s for s in result.switching_values if s.target == "category"
            and s.conclusion is Conclusion.NO_LONGER_PREFERRED and s.change is not None]
    if pref:
        s = min(pref, key=lambda s: abs(s.change))
        lines.append(f"Closest switching value: '{s.subject}' of '{s.option}' changing by "
                     f"{s.change:+.1%} makes '{s.option}' no longer preferred")
    if result.reduced_schedule:
        r = result.reduced_schedule
        lines.append(f"Reduced-rate sensitivity ({r['reason']}): preferred option "
                     f"{r['preferred_option']}")
    unconfirmed = result.manifest.get("unconfirmed_parameters_used") or []
    if unconfirmed:
        lines.append("Unconfirmed parameters used (check before relying on them): "
                     + ", ".join(unconfirmed))
    lines += [f"User pack value: {o['table_name']} = {o['value']} from {o['origin']}, "
              f"replacing {o['replaced_value']} ({o['replaced_origin']})"
              for o in result.manifest.get("parameter_overrides") or []]
    lines += [f"warning: {w}" for w in result.warnings]
    for payload in result.lenses.values():
        if hasattr(payload, "summary_lines"):
            lines += ["", *payload.summary_lines()]
    return "\n".join(lines)


def _print_notes(args: argparse.Namespace) -> None:
    """The ``--against`` notes: which inputs changed against an earlier case file."""
    from appraisal.cli.excel import change_notes

    for line in change_notes(args):
        print(line)


def _run(args: argparse.Namespace) -> int:
    from appraisal.cli.report import command_line
    from appraisal.engine.kernel import memory_budget
    from appraisal.inputs.load import in_input_words
    from appraisal.lenses.pipeline import evaluate
    from appraisal.outputs.csv_safe import raw_csv
    from appraisal.outputs.files import write_outputs

    try:
        case = read_case(args.case)
        _print_notes(args)
        with memory_budget(_memory_argument(args)), in_input_words(args.case):
            result = evaluate(case, lenses="all")  # the case's uncertainty section too
        with raw_csv(getattr(args, "csv_raw", False)):
            written = write_outputs(result, args.out, force=args.force,
                                    protect=[args.case], command=command_line())
    except AppraisalError as exc:
        return fail(exc)
    print(summary_text(result))
    print(f"\nOutputs written to {args.out}: " + ", ".join(p.name for p in written))
    return 0


def _memory_argument(args: argparse.Namespace) -> float:
    """The ``--memory`` budget in MB, or a located error naming the option."""
    from dataclasses import replace

    from appraisal.engine.kernel import check_memory

    try:
        return check_memory(getattr(args, "memory", None), "--memory")
    except AppraisalValidationError as exc:
        raise AppraisalValidationError([replace(i, location="--memory")
                                        for i in exc.issues], source="--memory") from None


def _validate(args: argparse.Namespace) -> int:
    from appraisal.engine.compile import compile_case
    from appraisal.inputs.load import in_input_words

    try:
        case = read_case(args.case)
        _print_notes(args)
        with in_input_words(args.case):
            compiled = compile_case(case)
    except AppraisalError as exc:
        return fail(exc)
    for w in compiled.warnings:
        print(f"warning: {w}")
    for row in compiled.pack.overrides():
        print(f"User pack value: {row.table_name} = {row.value} from {row.origin}, "
              f"replacing {row.replaced_value} ({row.replaced_origin})")
    print(f"{args.case}: valid ({len(case.options)} options, {len(case.lines)} lines, "
          f"{case.horizon_years} years from {case.base_year})")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from appraisal.inputs.load import example_path

    args.case = str(example_path(args.example))
    print(f"Running the embedded example case: {args.case}\n")
    return _run(args)


def _params(args: argparse.Namespace) -> int:
    from appraisal.params.packs import ParameterPack

    try:
        pack = ParameterPack.green_book(args.vintage)
        if args.pack:
            pack = pack.with_pack(args.pack, encoding=args.encoding)
            for note in pack.notes:
                print(f"warning: {note}")
        if args.action == "list":
            print(f"Parameter tables ({pack.vintage}):")
            for name in pack.table_names():
                rows = pack.rows(name)
                conf = sorted({r.confidence for r in rows})
                print(f"  {name:<22} {len(rows):>3} rows  confidence {'/'.join(conf)}  "
                      f"{rows[0].source[:70] if rows else ''}")
            return 0
        rows = pack.rows(args.name)
    except AppraisalError as exc:
        return fail(exc)
    print(f"{args.name} ({pack.vintage})")
    for r in rows:
        key = ", ".join(f"{k}={v}" for k, v in r.key)
        year = f" ({r.price_year} prices)" if r.price_year else ""
        print(f"  {key}: {r.value} {r.unit}{year} [{r.confidence}]")
        print(f"      source: {r.source}; {r.edition}; {r.table}")
    return 0


def _version() -> str:
    """The installed version, without importing the package's heavy modules."""
    from importlib import metadata

    try:
        return metadata.version("appraisal")
    except metadata.PackageNotFoundError:  # pragma: no cover - a bare source checkout
        return "0+unknown"


# --- the sub-commands: one static table ---------------------------------------------------
# Argument definitions are plain argparse; every handler imports its module when it runs,
# so ``appraisal --help`` imports neither the engine nor pandas, scipy, openpyxl or jinja2.


def _template(args: argparse.Namespace) -> int:
    from appraisal.cli.excel import _template as handle

    return handle(args)


def _convert(args: argparse.Namespace) -> int:
    from appraisal.cli.excel import _convert as handle

    return handle(args)


def _report(args: argparse.Namespace) -> int:
    from appraisal.cli.report import _report as handle

    return handle(args)


def _uncertainty(args: argparse.Namespace) -> int:
    from appraisal.cli.uncertainty import handle

    return handle(args)


class Command(NamedTuple):
    """One sub-command: its one-line help, description, example, arguments and handler."""

    help: str
    description: str
    example: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    handler: Callable[[argparse.Namespace], int]


#: Every sub-command, in the order ``appraisal --help`` lists them.
COMMANDS: dict[str, Command] = {
    "run": Command(
        "appraise a case and write results into a folder",
        "Appraise a case (every lens it declares, its uncertainty section too) and write "
        "results.json,\nCSV tables, results.xlsx and report.html into a folder, all or "
        "nothing; then print a summary.",
        "appraisal run data/examples/minimal.yaml --out results",
        arguments.run_arguments, _run),
    "validate": Command(
        "check a case and report every problem; writes nothing",
        "Read a case and check it against the schema and the parameter pack; print every "
        "problem\nwith its file:line and a fix. Writes nothing.",
        "appraisal validate data/examples/minimal.yaml",
        arguments.validate_arguments, _validate),
    "demo": Command(
        "run an embedded example case end to end",
        "Run one of the embedded example cases end to end, as 'appraisal run' would.",
        "appraisal demo --example minimal --out demo-output",
        arguments.demo_arguments, _demo),
    "params": Command(
        "list parameter tables or show one, with sources",
        "List the Green Book parameter tables of a vintage, or show one table's values with "
        "their\nunit, source, edition, table and confidence.",
        "appraisal params show discount_schedules",
        arguments.params_arguments, _params),
    "template": Command(
        "write the input workbook (blank, or --from a case)",
        "Write the Excel input workbook: blank, or filled in from an existing case.",
        "appraisal template -o case.xlsx --from data/examples/minimal.yaml",
        arguments.template_arguments, _template),
    "convert": Command(
        "convert a case between YAML and a workbook",
        "Convert a case between YAML (.yaml, .yml) and the Excel workbook (.xlsx), either "
        "way.",
        "appraisal convert data/examples/minimal.yaml minimal.xlsx",
        arguments.convert_arguments, _convert),
    "report": Command(
        "appraise a case and write its HTML business-case report",
        "Appraise a case and write its HTML business-case report (one self-contained "
        "file).",
        "appraisal report data/examples/minimal.yaml -o report.html",
        arguments.report_arguments, _report),
    "uncertainty": Command(
        "scenarios, tornado, switching values, Monte Carlo, Sobol and value of information",
        "Run every uncertainty analysis of a case with an 'uncertainty:' section and write\n"
        "uncertainty.json and CSV tables into a folder, all or nothing.",
        "appraisal uncertainty data/examples/early_help_prevention.yaml --out unc --sobol 1024",
        arguments.uncertainty_arguments, _uncertainty),
}


class _VersionAction(argparse.Action):
    """``--version``: reads the installed version only when asked (not for every command)."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS,
                 default: str = argparse.SUPPRESS,
                 help: str = "show program's version number and exit") -> None:
        super().__init__(option_strings=option_strings, dest=dest, default=default, nargs=0,
                         help=help)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        sys.stdout.write(f"appraisal {_version()}\n")  # on stdout, as argparse's own action
        parser.exit()


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation and tests).

    With *only* (a command's name), the parser has that sub-command alone: it parses that
    command's arguments, and gives its help and errors, exactly as the whole parser does,
    without building the others (about 10 ms for all of them).

    Examples
    --------
    >>> whole, run = build_parser(), build_parser("run")
    >>> args = ["run", "case.yaml", "--out", "results"]
    >>> vars(whole.parse_args(args)) == vars(run.parse_args(args))
    True
    >>> whole.format_usage() == run.format_usage()
    True
    """
    parser = argparse.ArgumentParser(
        prog="appraisal",
        description="Green Book public-value appraisal: validate a case, run it, and write "
                    "results.",
    )
    parser.add_argument("--version", action=_VersionAction)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, command in COMMANDS.items():
        if only is not None and name != only:
            continue
        p = sub.add_parser(name, help=command.help, description=command.description,
                           epilog=f"Example:\n  {command.example}",
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        command.add_arguments(p)
        p.set_defaults(handler=command.handler)
    return parser


class Interrupted(BaseException):
    """Raised in the main thread by SIGINT or SIGTERM, so that cleanup code runs.

    A ``BaseException`` like :class:`KeyboardInterrupt`: ``except Exception`` blocks do
    not swallow it, ``finally`` blocks (staging folders, temporary files) run.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


_HANDLED_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _on_signal(signum: int, frame: object) -> None:
    del frame
    for sig in _HANDLED_SIGNALS:  # a second Ctrl-C must not cut the cleanup short
        signal.signal(sig, signal.SIG_IGN)
    raise Interrupted(signum)


def _interrupted(signum: int) -> int:
    name = signal.Signals(signum).name
    print(f"appraisal: interrupted ({name}); stopped, and no partial output was left",
          file=sys.stderr)
    return 128 + signum


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code.

    SIGINT (Ctrl-C) and SIGTERM stop the command cleanly: the staging folder is
    removed, one line is printed, and the exit code is 130 or 143.
    """
    words = sys.argv[1:] if argv is None else list(argv)
    # (a command named first: only its sub-parser is built; anything else, the whole parser)
    parser = build_parser(words[0] if words and words[0] in COMMANDS else None)
    args = parser.parse_args(words)
    if getattr(args, "command", None) == "params" and args.action == "show" and not args.name:
        parser.error("'params show' needs a table name (see 'appraisal params list')")
    previous = {}
    if threading.current_thread() is threading.main_thread():
        previous = {sig: signal.signal(sig, _on_signal) for sig in _HANDLED_SIGNALS}
    try:
        code = int(args.handler(args))
    except BrokenPipeError:  # output piped into e.g. `head`
        sys.stderr.close()
        code = 0
    except Interrupted as exc:  # signals stay ignored until the process exits
        return _interrupted(exc.signum)
    except KeyboardInterrupt:  # SIGINT raised before our handler, or by a library
        return _interrupted(signal.SIGINT)
    except OSError as exc:  # the environment failed (disk, permissions) where no layer said so
        where = f" ({exc.filename})" if exc.filename else ""
        print(f"appraisal: stopped: {exc.strerror or exc}{where}; outputs are written "
              "all or nothing, so nothing was changed", file=sys.stderr)
        code = 1
    for sig, handler in previous.items():
        signal.signal(sig, handler)
    return code


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
