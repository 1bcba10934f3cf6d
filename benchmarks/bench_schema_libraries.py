"""Structuring libraries against the case schema: why the case model has its own reader.

Issue 12 asks for a maintained library to structure plain case data into the frozen case
model (attrs with cattrs, pydantic v2 or msgspec), chosen by measuring load time and the
error locations on real data. This script writes the same slice of the case model (options;
lines with a kind, a schedule, explicit amounts by year or a generated profile; enums for
the closed sets) in each library that is installed, then, for a generated case of
``--lines`` lines over ``--years`` years:

- the time to import the library (a fresh process, median of ``--repeat``);
- the time to structure the case (median of ``--repeat``), and the same for
  :func:`appraisal.case.schema.build_case`, which does every check of the real schema
  (limits, names, profiles, years within the horizon), not only the types;
- what each reports for the same three mistakes (a kind ``costt``, an amount ``ten``, a
  line with no name): how many it finds, and where it says they are.

None of the three libraries is a dependency of the toolkit: install them to compare
(``pip install pydantic msgspec cattrs``); a library that is missing is said and skipped.

    python benchmarks/bench_schema_libraries.py [--lines 5000] [--years 60] [--repeat 5]
"""


import argparse
import copy
import enum
import importlib.util
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

LIBRARIES = ("pydantic", "msgspec", "cattrs")


class Kind(enum.StrEnum):
    COST = "cost"
    BENEFIT = "benefit"


class Schedule(enum.StrEnum):
    STANDARD = "standard"
    HEALTH = "health"
    REDUCED = "reduced"


class ProfileType(enum.StrEnum):
    CONSTANT = "constant"
    GROWTH = "growth"
    RAMP = "ramp"


def case_data(lines: int, years: int) -> dict[str, Any]:
    """Plain case data (the YAML layout): four options, half the lines with amounts by
    year and half with a growth profile."""
    rnd = random.Random(20250101)
    options = [{"name": "Business as usual", "counterfactual": True},
               *({"name": f"Option {k}"} for k in (1, 2, 3))]
    out = []
    for i in range(lines):
        line: dict[str, Any] = {
            "option": options[i % 4]["name"], "name": f"Line {i:05d}",
            "kind": "cost" if i % 3 else "benefit",
            "category": ("capital", "operating", "social")[i % 3],
            "agency": ("Council", "NHS")[i % 2],
            "schedule": "health" if i % 7 == 0 else "standard"}
        if i % 2:
            line["values"] = {2025 + t: round(rnd.uniform(0, 1e6), 2) for t in range(years)}
        else:
            line["profile"] = {"type": "growth", "start": 2025, "end": 2025 + years - 1,
                               "amount": 1000.0, "rate": 0.01}
        out.append(line)
    return {"schema_version": 1, "title": "Bench", "base_year": 2025, "horizon_years": years,
            "options": options, "lines": out}


def three_mistakes(data: dict[str, Any]) -> dict[str, Any]:
    """The same data with a kind ``costt`` (line 3), an amount ``ten`` (line 11, 2026) and
    no name (line 20)."""
    bad = copy.deepcopy(data)
    bad["lines"][3]["kind"] = "costt"
    bad["lines"][11]["values"][2026] = "ten"
    del bad["lines"][20]["name"]
    return bad


Loader = tuple[Callable[[dict[str, Any]], Any], Callable[[dict[str, Any]], list[str]]]

_REQUIRED = object()  # a field without a default


def model_fields(made: dict[str, type]) -> dict[str, list[tuple[str, Any, Any]]]:
    """The slice of the case model, once for every library: ``{class name: [(field, type,
    default)]}`` in the order the classes are made (a later class refers to the earlier
    ones, given in *made*)."""
    def later(name: str) -> Any:
        return made.get(name, Any)
    return {
        "Profile": [("type", ProfileType, _REQUIRED), ("start", int, _REQUIRED),
                    ("end", int, _REQUIRED), ("amount", float, _REQUIRED),
                    ("rate", float, 0.0)],
        "Option": [("name", str, _REQUIRED), ("counterfactual", bool, False)],
        "Line": [("option", str, _REQUIRED), ("name", str, _REQUIRED), ("kind", Kind, _REQUIRED),
                 ("category", str, _REQUIRED), ("agency", str | None, None),
                 ("schedule", Schedule, Schedule.STANDARD),
                 ("values", dict[int, float] | None, None),
                 ("profile", later("Profile") | None, None)],
        "Case": [("schema_version", int, _REQUIRED), ("title", str, _REQUIRED),
                 ("base_year", int, _REQUIRED), ("horizon_years", int, _REQUIRED),
                 ("options", tuple[later("Option"), ...], _REQUIRED),
                 ("lines", tuple[later("Line"), ...], _REQUIRED)],
    }


def make_models(make: Callable[[str, list[tuple[str, Any, Any]]], type]) -> type:
    """The case class, with its parts made first by *make* (each library's own factory)."""
    made: dict[str, type] = {}
    for name in model_fields(made):
        made[name] = make(name, model_fields(made)[name])
    return made["Case"]


def _pydantic() -> Loader:
    from pydantic import ConfigDict, ValidationError, create_model

    frozen = ConfigDict(frozen=True, extra="forbid")
    case = make_models(lambda name, fields: create_model(name, __config__=frozen, **{
        f: (t, ... if d is _REQUIRED else d) for f, t, d in fields}))

    def problems(data: dict[str, Any]) -> list[str]:
        try:
            case.model_validate(data)
        except ValidationError as exc:
            return [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        return []

    return case.model_validate, problems


def _msgspec() -> Loader:
    import msgspec

    case = make_models(lambda name, fields: msgspec.defstruct(
        name, [(f, t) if d is _REQUIRED else (f, t, d) for f, t, d in fields],
        frozen=True, forbid_unknown_fields=True))

    def load(data: dict[str, Any]) -> Any:
        return msgspec.convert(data, case, strict=False)

    def problems(data: dict[str, Any]) -> list[str]:
        try:
            load(data)
        except msgspec.ValidationError as exc:
            return [str(exc)]
        return []

    return load, problems


def _cattrs() -> Loader:
    import attrs
    import cattrs

    case = make_models(lambda name, fields: attrs.make_class(name, {
        f: attrs.field(type=t) if d is _REQUIRED else attrs.field(type=t, default=d)
        for f, t, d in fields}, frozen=True))
    converter = cattrs.Converter(detailed_validation=True, forbid_extra_keys=True)

    def load(data: dict[str, Any]) -> Any:
        return converter.structure(data, case)

    def problems(data: dict[str, Any]) -> list[str]:
        try:
            load(data)
        except Exception as exc:  # cattrs raises exception groups
            return list(cattrs.transform_error(exc))
        return []

    return load, problems


def _ours() -> Loader:
    from appraisal.case.schema import build_case
    from appraisal.errors import AppraisalValidationError

    def load(data: dict[str, Any]) -> Any:
        return build_case(data, sections={})

    def problems(data: dict[str, Any]) -> list[str]:
        try:
            load(data)
        except AppraisalValidationError as exc:
            return [str(issue) for issue in exc.issues]
        return []

    return load, problems


LOADERS = {"pydantic": _pydantic, "msgspec": _msgspec, "cattrs": _cattrs,
           "appraisal (build_case)": _ours}
IMPORTS = {"pydantic": "pydantic", "msgspec": "msgspec", "cattrs": "cattrs",
           "appraisal (build_case)": "appraisal.case.schema"}


def import_seconds(module: str, repeat: int) -> float:
    """Median wall time of importing *module* in a fresh interpreter (its start-up taken
    off)."""
    def run(code: str) -> float:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        return time.perf_counter() - start
    bare = statistics.median(run("pass") for _ in range(repeat))
    return max(0.0, statistics.median(run(f"import {module}") for _ in range(repeat)) - bare)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=5000)
    parser.add_argument("--years", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    data = case_data(args.lines, args.years)
    bad = three_mistakes(data)
    print(f"{args.lines:,} lines x {args.years} years; medians of {args.repeat} runs")
    print(f"{'reader':<24}{'import s':>10}{'structure s':>13}{'mistakes found':>16}")
    said: dict[str, list[str]] = {}
    for name, make in LOADERS.items():
        module = IMPORTS[name]
        if importlib.util.find_spec(module.split(".")[0]) is None:
            print(f"{name:<24}  not installed (pip install {module}) - skipped")
            continue
        load, problems = make()
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            load(data)
            times.append(time.perf_counter() - start)
        said[name] = problems(bad)
        print(f"{name:<24}{import_seconds(module, args.repeat):>10.3f}"
              f"{statistics.median(times):>13.3f}{len(said[name]):>16}")
    print(f"{'(numpy, for reference)':<24}{import_seconds('numpy', args.repeat):>10.3f}"
          "  imported by build_case's module; every run needs it anyway")
    for name, lines in said.items():
        print(f"\n{name} on the three mistakes:")
        for line in lines:
            print(f"  {line}")


if __name__ == "__main__":
    main()
