"""The ``uncertainty:`` section of a case: uncertain inputs, correlation and scenarios.

Each uncertain input names a **target** (which lines it acts on), a **field** (which
engine input it moves) and a **distribution**. Fields and what a draw ``x`` means:

=================== ============================================= ================== =========
field               meaning of a draw ``x``                       target             neutral
=================== ============================================= ================== =========
``scale``           multiplies the lines' amounts                 lines              1
``value_multiplier`` multiplies the lines' unit values / amounts   lines              1
``additionality``   multiplies the lines' additionality factor    lines              1
``drop_off``        multiplies the lines' drop-off (clipped 0-1)  lines with         1
                                                                  ``persistence > 1``
``ob_uplift``       replaces the lines' optimism-bias uplift      lines              --
                    (a fraction, e.g. 0.41 for 41%)
``delay``           whole years added to the lines' delay         lines              0
                    (rounded; a total below zero counts as zero)
``rate_shift``      added to every one-year discount rate         ``all`` or         0
                    (0.01 is one percentage point)                ``{schedule: s}``
``eta``             the elasticity of marginal utility of income  none (needs a      --
                    in the distributional weights                 ``distribution:``
                                                                  section)
=================== ============================================= ================== =========

A deterministic appraisal is every input at the case's own value (the neutral value
above; for ``ob_uplift`` the compiled uplift, for ``eta`` the case's η). The scenarios,
one-way analysis and switching values start from there, whatever the distributions'
central values (mode of a triangular or PERT, median otherwise); inputs whose central
value differs are listed in the results (``central_differs``).

Targets: ``all``; or a mapping combining (all must hold) ``line`` (a line name, every
option's line of that name), ``lines`` (a list of names), ``category``, ``kind``
(``cost`` / ``benefit``) and ``option``.

Syntax (distributions as :func:`~appraisal.lenses.uncertainty.parse_distribution` reads them;
``kind:`` is accepted as another name for ``dist:``)::

    uncertainty:
      draws: 10000            # Monte Carlo draws run by `appraisal run` (0 = none)
      seed: 20261122
      inputs:
        - name: programme cost
          target: {line: "Commissioned key-worker service (contract, cash prices)"}
          field: scale
          distribution: {dist: pert, low: 0.9, mode: 1.0, high: 1.4}
          group: delivery costs          # optional: Sobol groups and EVPPI
          source: supplier quotes        # optional: where the range comes from
        - name: discount rate shift
          target: all
          field: rate_shift
          distribution: {dist: uniform, low: -0.01, high: 0.01}
        - name: eta
          field: eta
          distribution: {dist: triangular, low: 1.0, mode: 1.3, high: 1.6}
      correlation:                       # as parse_correlation reads it
        pairs: [{inputs: [programme cost, eta], rho: 0.0}]
      scenarios:                         # 'central' is implicit
        pessimistic: {programme cost: 1.4, discount rate shift: 0.01}
      two_way: [programme cost, discount rate shift]   # optional grid
      sobol: {base_samples: 1024}        # optional, run by `appraisal run`

Examples
--------
>>> from appraisal.errors import Issues
>>> raw = {"draws": 100, "seed": 1, "inputs": [{"name": "cost", "target": {"kind": "cost"},
...        "field": "scale", "distribution": {"dist": "uniform", "low": 0.9, "high": 1.2}}]}
>>> root = {"lines": [{"option": "A", "name": "c", "kind": "cost"}]}
>>> found = Issues()
>>> spec = parse_uncertainty_section(raw, case_data=root, option_names=["A"],
...                                  locate=str, issues=found, path=("uncertainty",))
>>> spec.input_names, spec.draws, len(found)
(('cost',), 100, 0)
>>> spec.to_data()["inputs"][0]["distribution"]
{'dist': 'uniform', 'low': 0.9, 'high': 1.2}
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from appraisal.errors import Issues
from appraisal.fields import FieldReader, did_you_mean
from appraisal.lenses.uncertainty.correlation import Correlation, parse_correlation
from appraisal.lenses.uncertainty.distributions import Discrete, Distribution, parse_distribution
from appraisal.limits import MAX_SOBOL, run_size_issue

__all__ = ["FIELDS", "LINE_FIELDS", "TARGET_KEYS", "UncertainInput", "UncertaintySpec",
           "parse_uncertainty_section", "target_lines"]

#: Fields that act on lines (the draw has one value, applied to every targeted line).
LINE_FIELDS = ("scale", "value_multiplier", "additionality", "drop_off", "ob_uplift", "delay")
#: Every field an uncertain input may move.
FIELDS = (*LINE_FIELDS, "rate_shift", "eta")
#: Keys of a target mapping.
TARGET_KEYS = ("line", "lines", "category", "kind", "option", "schedule")
_SECTION_KEYS = ("draws", "seed", "inputs", "correlation", "scenarios", "two_way", "sobol")
_INPUT_KEYS = ("name", "target", "field", "distribution", "group", "description", "source")
_DEFAULT_SEED = 20261122

Path = tuple[Any, ...]


def _get(line: Any, key: str) -> Any:
    """A line attribute from a raw mapping or a :class:`~appraisal.case.model.Line`."""
    if isinstance(line, Mapping):
        return line.get(key)
    return getattr(line, key, None)


def _persistent(line: Any) -> bool:
    outcome = _get(line, "outcome")
    if outcome is None:
        return False
    value = outcome.get("persistence") if isinstance(outcome, Mapping) else \
        getattr(outcome, "persistence", None)
    try:
        return int(value or 1) > 1
    except (TypeError, ValueError):
        return False


def target_lines(target: Any, lines: Sequence[Any]) -> tuple[int, ...]:
    """Indices of the lines a target names (raw mappings or model lines).

    Examples
    --------
    >>> lines = [{"option": "A", "name": "x", "kind": "cost"},
    ...          {"option": "B", "name": "x", "kind": "cost", "category": "capital"},
    ...          {"option": "B", "name": "y", "kind": "benefit"}]
    >>> target_lines({"line": "x"}, lines), target_lines({"option": "B", "kind": "cost"}, lines)
    ((0, 1), (1,))
    >>> target_lines("all", lines)
    (0, 1, 2)
    """
    if target == "all" or target is None:
        return tuple(range(len(lines)))
    names = None
    if "line" in target:
        names = {target["line"]}
    if "lines" in target:
        names = (names or set()) | set(target["lines"])
    return tuple(i for i, line in enumerate(lines)
                 if (names is None or _get(line, "name") in names)
                 and all(_get(line, key) == target[key] for key in ("category", "kind", "option")
                         if key in target))


@dataclass(frozen=True)
class UncertainInput:
    """One uncertain input: what it moves and its distribution.

    ``target`` is ``"all"``, ``None`` (for ``eta``) or a mapping of
    :data:`TARGET_KEYS`; ``lines`` are the indices of the targeted lines.
    """

    name: str
    field: str
    distribution: Distribution
    target: Any = "all"
    lines: tuple[int, ...] = ()
    group: str | None = None
    description: str = ""
    source: str = ""

    def to_data(self) -> dict[str, Any]:
        """Plain data accepted by :func:`parse_uncertainty_section`."""
        out: dict[str, Any] = {"name": self.name, "field": self.field}
        if self.field != "eta":
            out["target"] = self.target if isinstance(self.target, str) else {
                k: list(v) if isinstance(v, tuple) else v for k, v in self.target.items()}
        out["distribution"] = self.distribution.to_dict()
        out.update({key: getattr(self, key) for key in ("group", "description", "source")
                    if getattr(self, key)})
        return out


@dataclass(frozen=True)
class UncertaintySpec:
    """The parsed ``uncertainty:`` section (frozen, picklable).

    ``scenarios`` maps a scenario name to ``{input name: value}`` (inputs not named are
    central); ``sobol_base_samples`` is ``None`` when no Sobol run is asked for.
    """

    inputs: tuple[UncertainInput, ...]
    draws: int = 0
    seed: int = _DEFAULT_SEED
    correlation: Correlation | None = None
    scenarios: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    two_way: tuple[str, str] | None = None
    sobol_base_samples: int | None = None
    correlation_data: Any = None

    @property
    def input_names(self) -> tuple[str, ...]:
        """Names of the inputs, in declaration order."""
        return tuple(i.name for i in self.inputs)

    @property
    def distributions(self) -> dict[str, Distribution]:
        """``{name: distribution}``, the specs for the sampling functions."""
        return {i.name: i.distribution for i in self.inputs}

    @property
    def groups(self) -> dict[str, list[str]]:
        """Parameter groups ``{group: [input names]}`` (only declared groups)."""
        out: dict[str, list[str]] = {}
        for i in self.inputs:
            if i.group:
                out.setdefault(i.group, []).append(i.name)
        return out

    def input(self, name: str) -> UncertainInput:
        """The input called ``name`` (``KeyError`` if none)."""
        for i in self.inputs:
            if i.name == name:
                return i
        raise KeyError(name)

    def to_data(self) -> dict[str, Any]:
        """Plain, YAML-able data that parses back to an equal section."""
        out: dict[str, Any] = {"draws": self.draws, "seed": self.seed,
                               "inputs": [i.to_data() for i in self.inputs]}
        if self.correlation_data is not None:
            out["correlation"] = self.correlation_data
        if self.scenarios:
            out["scenarios"] = {k: dict(v) for k, v in self.scenarios.items()}
        if self.two_way:
            out["two_way"] = list(self.two_way)
        if self.sobol_base_samples:
            out["sobol"] = {"base_samples": self.sobol_base_samples}
        return out


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


class _Reader(FieldReader):
    """The section's reader: problems at paths relative to the section
    (:class:`~appraisal.fields.FieldReader`)."""

    def count(self, data: Mapping, key: str, default: int, minimum: int) -> int:
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.error((key,), "invalid-value", f"'{key}' must be an integer >= {minimum} "
                       f"(got {value!r})", f"write e.g. {key}: {max(default, minimum)}")
            return default
        if key in ("draws", "seed") and run_size_issue(key, value):
            self.error((key,), "too-many" if key == "draws" else "out-of-range",
                       f"'{key}' {run_size_issue(key, value)}",
                       f"write e.g. {key}: {max(default, minimum, 10_000)}")
            return default
        return value


def _parse_target(rd: _Reader, raw: Any, fld: str, lines: Sequence[Any], options: Sequence[str],
                  keys: Path) -> tuple[Any, tuple[int, ...]] | None:
    if fld == "eta":
        if raw not in (None, "all"):
            rd.error(keys, "bad-target", "'eta' is one number for the whole case: it takes "
                     f"no target (got {raw!r})", "remove 'target'")
            return None
        return None, ()
    if raw is None or raw == "all":
        return "all", tuple(range(len(lines)))
    if not isinstance(raw, Mapping) or not raw:
        rd.error(keys, "bad-target", f"'target' must be 'all' or a mapping of "
                 f"{', '.join(TARGET_KEYS)} (got {raw!r})", "write e.g. {line: \"Set-up\"}")
        return None
    rd.unknown_keys(raw, TARGET_KEYS, keys)
    ok = True
    for key in ("line", "category", "kind", "option", "schedule"):
        if key in raw and not isinstance(raw[key], str):
            rd.error((*keys, key), "bad-target", f"'{key}' must be a name (got {raw[key]!r})")
            ok = False
    if "lines" in raw and (not isinstance(raw["lines"], list) or not raw["lines"]
                          or not all(isinstance(x, str) for x in raw["lines"])):
        rd.error((*keys, "lines"), "bad-target", "'lines' must be a non-empty list of line "
                 f"names (got {raw['lines']!r})")
        ok = False
    if not ok:
        return None
    if fld == "rate_shift":
        if set(raw) != {"schedule"}:
            rd.error(keys, "bad-target", "'rate_shift' moves discount rates: its target is "
                     "'all' or {schedule: NAME}", "write target: all")
            return None
        return dict(raw), ()
    if "schedule" in raw:
        rd.error((*keys, "schedule"), "bad-target", f"'{fld}' acts on lines, not on a "
                 "discount schedule", "target lines with line, lines, category, kind or option")
        return None
    if "option" in raw and raw["option"] not in options:
        close = did_you_mean(raw["option"], options)
        rd.error((*keys, "option"), "unknown-target", f"no option called {raw['option']!r}",
                 close or f"options: {', '.join(options)}")
        return None
    names = {_get(ln, "name") for ln in lines}
    for key, wanted in (("line", [raw.get("line")]), ("lines", raw.get("lines") or [])):
        for i, name in enumerate(wanted):
            if name is not None and name not in names:
                close = did_you_mean(name, sorted(n for n in names if n))
                where = (*keys, key) if key == "line" else (*keys, key, i)
                rd.error(where, "unknown-target", f"no line called {name!r}",
                         close or "check the line names")
                ok = False
    if "category" in raw and raw["category"] not in {_get(ln, "category") for ln in lines}:
        rd.error((*keys, "category"), "unknown-target", f"no line has category "
                 f"{raw['category']!r}", "check the lines' 'category' values")
        ok = False
    if not ok:
        return None
    found = target_lines(raw, lines)
    if not found:
        rd.error(keys, "empty-target", f"the target {dict(raw)!r} names no line",
                 "loosen the target (e.g. drop 'kind' or 'option')")
        return None
    if fld == "drop_off":
        flat = [i for i in found if not _persistent(lines[i])]
        if flat:
            rd.error(keys, "field-not-applicable", "'drop_off' applies only to lines whose "
                     "outcome has a persistence over one year; the target includes "
                     f"{[_get(lines[i], 'name') for i in flat][:3]}",
                     "target only lines with an outcome persistence > 1")
            return None
    return {k: tuple(v) if isinstance(v, list) else v for k, v in raw.items()}, found


def _parse_input(rd: _Reader, raw: Any, i: int, lines: Sequence[Any], options: Sequence[str],
                 has_distribution: bool) -> UncertainInput | None:
    keys: Path = ("inputs", i)
    if not isinstance(raw, Mapping):
        rd.error(keys, "not-a-mapping", f"each input must be a mapping (got {raw!r})",
                 "give name, target, field and distribution")
        return None
    rd.unknown_keys(raw, _INPUT_KEYS, keys)
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        rd.error((*keys, "name"), "missing", "each input needs a 'name' (a non-empty string)")
        return None
    fld = raw.get("field")
    if fld not in FIELDS:
        close = did_you_mean(str(fld), FIELDS)
        rd.error((*keys, "field") if "field" in raw else keys, "unknown-field",
                 f"unknown field {fld!r} for input {name!r}",
                 close or f"use one of: {', '.join(FIELDS)}")
        return None
    if fld == "eta" and not has_distribution:
        rd.error((*keys, "field"), "field-not-applicable", "'eta' weights benefits by income "
                 "group, but the case has no 'distribution:' section",
                 "add a distribution section or remove this input")
        return None
    dist_raw = raw.get("distribution")
    if isinstance(dist_raw, Mapping) and "kind" in dist_raw and "dist" not in dist_raw:
        dist_raw = {("dist" if k == "kind" else k): v for k, v in dist_raw.items()}
    if dist_raw is None:
        rd.error(keys, "missing", f"input {name!r} needs a 'distribution'",
                 "write e.g. distribution: {dist: triangular, low: 0.9, mode: 1.0, high: 1.3}")
        return None
    dist = parse_distribution(dist_raw, locate=rd.locate, issues=rd.issues,
                              path=(*rd.prefix, *keys, "distribution"))
    target = _parse_target(rd, raw.get("target", "all" if fld != "eta" else None), fld, lines,
                           options, (*keys, "target"))
    if dist is None or target is None:
        return None
    if isinstance(dist, Discrete) and not dist.numeric:
        rd.error((*keys, "distribution"), "bad-distribution", f"'{fld}' needs numeric "
                 f"values (input {name!r})", "give numbers as the discrete values")
        return None
    group = raw.get("group")
    if group is not None and not isinstance(group, str):
        rd.error((*keys, "group"), "invalid-value", f"'group' must be a name (got {group!r})")
        group = None
    return UncertainInput(name=name, field=fld, distribution=dist, target=target[0],
                          lines=target[1], group=group,
                          description=str(raw.get("description") or ""),
                          source=str(raw.get("source") or ""))


def _parse_scenarios(rd: _Reader, raw: Any, names: Sequence[str]
                     ) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    if raw is None:
        return out
    if not isinstance(raw, Mapping):
        rd.error(("scenarios",), "not-a-mapping", "'scenarios' must map scenario names to "
                 "{input: value}", "write e.g. scenarios: {low: {programme cost: 1.4}}")
        return out
    for scenario, values in raw.items():
        keys: Path = ("scenarios", scenario)
        if str(scenario) == "central":
            rd.error(keys, "reserved-name", "'central' is implicit (every input at its "
                     "central value)", "choose another scenario name")
            continue
        if not isinstance(values, Mapping) or not values:
            rd.error(keys, "not-a-mapping", f"scenario {scenario!r} must map input names to "
                     "values", "write e.g. {programme cost: 1.4}")
            continue
        good = {}
        for key, value in values.items():
            if key not in names:
                close = did_you_mean(str(key), names)
                rd.error((*keys, key), "unknown-input", f"{key!r} in scenario {scenario!r} is "
                         "not an uncertain input", close or
                         f"inputs: {', '.join(names)}")
            elif isinstance(value, bool) or not isinstance(value, int | float):
                rd.error((*keys, key), "invalid-value", f"the value of {key!r} in scenario "
                         f"{scenario!r} must be a number (got {value!r})")
            else:
                good[str(key)] = float(value)
        out[str(scenario)] = good
    return out


def parse_uncertainty_section(raw: Any, *, case_data: Mapping[str, Any] | None = None,
                              option_names: Sequence[str] = (),
                              locate: Callable[[Path], str] = str,
                              issues: Issues | None = None,
                              path: Path = ("uncertainty",)) -> UncertaintySpec | None:
    """Parse an ``uncertainty:`` section, recording every located problem in ``issues``.

    Listed with the uncertainty lens in :data:`appraisal.lenses.catalogue.LENSES`, whose
    section parsers the readers pass to the schema. Returns ``None`` when any problem was found.

    Parameters
    ----------
    raw : mapping
        The section as plain data (see the module docstring).
    case_data : mapping, optional
        The whole case as plain data (its ``lines`` and ``distribution`` are consulted).
    option_names : sequence of str
        The case's option names.
    locate : callable
        Maps a path tuple to a location such as ``"case.yaml:12:5"``.
    issues : Issues, optional
        Collector; when omitted, problems raise :class:`~appraisal.errors.AppraisalValidationError`.
    path : tuple
        The section's path in the case.
    """
    own = issues is None
    found = Issues() if issues is None else issues
    start = len(found)
    rd = _Reader(locate, found, tuple(path))
    root = case_data or {}
    lines = root.get("lines") if isinstance(root.get("lines"), list) else []
    # a line whose name, option, kind or category is not text is refused by the case
    # itself; the section's targets only look among the others
    lines = [ln for ln in lines if isinstance(ln, Mapping) and all(
        isinstance(ln.get(k), str | None) for k in ("name", "option", "kind", "category"))]
    if not isinstance(raw, Mapping):
        rd.error((), "not-a-mapping", f"'uncertainty' must be a mapping (got "
                 f"{type(raw).__name__})", "give draws, seed and inputs")
        if own:
            found.raise_if_errors("uncertainty")
        return None
    rd.unknown_keys(raw, _SECTION_KEYS, ())
    draws = rd.count(raw, "draws", 0, 0)
    if draws == 1:
        rd.error(("draws",), "invalid-value", "'draws' must be 0 (no Monte Carlo) or at least 2 "
                 "(got 1): a spread needs two draws", "write e.g. draws: 10000")
        draws = 0
    seed = rd.count(raw, "seed", _DEFAULT_SEED, 0)
    items = raw.get("inputs")
    inputs: list[UncertainInput] = []
    if not isinstance(items, list) or not items:
        rd.error(("inputs",), "missing", "'inputs' must be a non-empty list of uncertain "
                 "inputs", "declare at least one input")
        items = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        name = item.get("name") if isinstance(item, Mapping) else None
        if isinstance(name, str) and name in seen:
            rd.error(("inputs", i, "name"), "duplicate-name", f"input {name!r} is "
                     "declared twice", "give every input a unique name")
            continue
        seen.add(name)  # type: ignore[arg-type]
        parsed = _parse_input(rd, item, i, lines, option_names, root.get("distribution")
                              is not None)
        if parsed is not None:
            inputs.append(parsed)
    declared = [it.get("name") for it in items if isinstance(it, Mapping)]
    correlation = None
    if raw.get("correlation") is not None:
        correlation = parse_correlation(raw["correlation"], locate=locate, issues=found,
                                        path=(*path, "correlation"), inputs=declared)
    scenarios = _parse_scenarios(rd, raw.get("scenarios"), declared)
    two_way = None
    if raw.get("two_way") is not None:
        tw = raw["two_way"]
        if not isinstance(tw, list) or len(tw) != 2 or len(set(map(str, tw))) != 2:
            rd.error(("two_way",), "invalid-value", "'two_way' must name two different "
                     f"inputs (got {tw!r})", "write e.g. two_way: [programme cost, eta]")
        else:
            for k, name in enumerate(tw):
                if name not in declared:
                    rd.error(("two_way", k), "unknown-input", f"{name!r} is not an "
                             "uncertain input", f"inputs: {', '.join(map(str, declared))}")
            two_way = (str(tw[0]), str(tw[1]))
    sobol = None
    if raw.get("sobol") is not None:
        sb = raw["sobol"]
        if not isinstance(sb, Mapping):
            rd.error(("sobol",), "not-a-mapping", "'sobol' must be a mapping",
                     "write sobol: {base_samples: 1024}")
        else:
            rd.unknown_keys(sb, ("base_samples",), ("sobol",))
            n = sb.get("base_samples", 1024)
            if isinstance(n, bool) or not isinstance(n, int) or n < 2 or n & (n - 1):
                rd.error(("sobol", "base_samples"), "invalid-value", "'base_samples' must be "
                         f"a power of 2 (got {n!r})", "use e.g. 512, 1024 or 2048")
            elif run_size_issue("sobol", n):
                rd.error(("sobol", "base_samples"), "too-many", f"'base_samples' "
                         f"{run_size_issue('sobol', n)}", f"use at most {MAX_SOBOL:,}")
            else:
                sobol = n
    if len(found) > start and any(x.severity.value == "error" for x in found.items[start:]):
        if own:
            found.raise_if_errors("uncertainty")
        return None
    return UncertaintySpec(inputs=tuple(inputs), draws=draws, seed=seed,
                           correlation=correlation, scenarios=scenarios,
                           two_way=two_way, sobol_base_samples=sobol,
                           correlation_data=_plain(raw.get("correlation")))
