"""Render a report context to one self-contained HTML file.

The jinja2 environment is built for untrusted text: ``autoescape=True`` for every
template name (``select_autoescape`` would not escape ``*.html.j2``),
``StrictUndefined`` so a misspelt variable is an error rather than an empty string,
and the immutable sandbox, because users may point the report at their own template
folder. Templates receive a validated plain dict (``ctx``) and a ``view`` with the
pre-built charts, lookups and captions; they format numbers with the filters
registered here and compute nothing.

The stylesheet is read first and its SHA-256 goes into the page's
Content-Security-Policy (``default-src 'none'``, no scripts at all). After rendering,
the page is parsed and refused if it loads anything from outside itself, carries
scripts or event-handler attributes, or has inline styles the policy does not allow,
so a custom template cannot silently break the guarantees.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

from appraisal._resources import templates_dir
from appraisal.errors import AppraisalValidationError, Issue, OutputError, UnsafeInputError
from appraisal.formatting import (
    choose_money_unit,
    format_bcr,
    format_money,
    format_number,
    format_percent,
    rounding_note,
)
from appraisal.outputs.atomic import atomic_write_bytes, check_destination
from appraisal.outputs.report.figures import build_figures

if TYPE_CHECKING:  # jinja2 is imported when a report is rendered, not on import
    import jinja2
    from jinja2.sandbox import ImmutableSandboxedEnvironment
from appraisal.outputs.report.schema import validate_context

__all__ = [
    "REPORT_SECTIONS",
    "Section",
    "build_environment",
    "check_self_contained",
    "render_report",
    "write_report",
]

_STYLESHEET = "report.css"
_MAIN_TEMPLATE = "report.html.j2"


@dataclass(frozen=True, slots=True)
class Section:
    """One section of the report."""

    #: Anchor id in the page; the partial is ``partials/_<id with _>.html.j2``.
    id: str
    #: The section's ``<h2>``.
    heading: str
    #: The context key that holds its data; the section is left out when the key is
    #: absent or empty.
    key: str

    @property
    def template(self) -> str:
        """The partial template that renders the section."""
        return f"partials/_{self.id.replace('-', '_')}.html.j2"


#: The sections of the report, in the order of the economic case.
REPORT_SECTIONS: tuple[Section, ...] = (
    Section("summary", "Executive summary", "summary"),
    Section("strategic", "Spending objectives and options", "strategic"),
    Section("costs-benefits", "Costs and benefits", "cba"),
    Section("optimism-bias", "Optimism bias and risk", "optimism_bias"),
    Section("public-value", "Public value", "public_value"),
    Section("distributional", "Distributional analysis", "distributional"),
    Section("non-monetised", "Non-monetised impacts", "non_monetised"),
    Section("mca", "Multi-criteria analysis", "mca"),
    Section("uncertainty", "Sensitivity and uncertainty", "uncertainty"),
    Section("financial-case", "Financial case", "financial_case"),
    Section("cost-effectiveness", "Cost-effectiveness", "cost_effectiveness"),
    Section("assumptions", "Assumptions log", "assumptions"),
    Section("parameters", "Parameter appendix", "parameters"),
    Section("audit", "Audit trail", "audit"),
)


def _bundled_templates() -> Path:
    """The templates folder shipped with the package (wheel or source checkout)."""
    return templates_dir()


def _user_folder(template_dir: str | os.PathLike[str]) -> Path:
    folder = Path(template_dir).expanduser().resolve()
    if not folder.is_dir():
        msg = f"'template_dir' must be an existing folder (got {str(template_dir)!r})"
        fix = ("create it, or leave template_dir unset to use the bundled templates; "
               "files you do not provide fall back to the bundled ones")
        raise AppraisalValidationError([Issue("template-dir-missing", msg, field="template_dir",
                                              fix=fix)], source="render_report")
    return folder


def _score_class(score: int) -> str:
    return f"ast-{'p' if score > 0 else 'm'}{abs(score)}" if score else "ast-0"


def _scale_label(score: int, scale: list[str]) -> str:
    return f"{score:+d} {scale[score + 3]}" if score else f"0 {scale[3]}"


@lru_cache(maxsize=16)
def build_environment(template_dir: Path | None = None) -> ImmutableSandboxedEnvironment:
    """The jinja2 environment: user folder first, then the bundled templates.

    Parameters
    ----------
    template_dir : pathlib.Path, optional
        A folder of templates that override the bundled ones file by file (e.g. only
        ``report.css`` to restyle the report). Resolved, existing path.

    Returns
    -------
    jinja2.sandbox.ImmutableSandboxedEnvironment
        With ``autoescape=True``, ``StrictUndefined`` and the report's filters:
        ``money``, ``pct``, ``bcr``, ``num``, ``score_class`` and ``scale_label``.

    Examples
    --------
    >>> env = build_environment()
    >>> env.autoescape, env.undefined.__name__
    (True, 'StrictUndefined')
    >>> env.from_string("{{ x }}").render(x="<b>")
    '&lt;b&gt;'
    """
    folders = [str(_bundled_templates())]
    if template_dir is not None:
        folders.insert(0, str(template_dir))
    import jinja2
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    env = ImmutableSandboxedEnvironment(
        loader=jinja2.FileSystemLoader(folders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        money=format_money, pct=format_percent, bcr=format_bcr, num=format_number,
        score_class=_score_class, scale_label=_scale_label,
    )
    from appraisal.outputs.report.template_cache import template_cache

    # Compiled templates kept between runs (same code, so the same page), keyed by the
    # source and by every setting above: see appraisal.outputs.report.template_cache.
    env.bytecode_cache = template_cache(env)
    return env


def _stylesheet(env: jinja2.Environment) -> str:
    source, filename, _ = env.loader.get_source(env, _STYLESHEET)  # type: ignore[union-attr]
    if re.search(r"</style|<!--|@import|url\(\s*['\"]?\s*(?!data:)", source, re.IGNORECASE):
        msg = (f"the stylesheet {filename or _STYLESHEET} may not contain '</style', '<!--', "
               "'@import' or url() other than data: URLs: the report must load nothing")
        raise UnsafeInputError(msg)
    return source


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()


def _view(ctx: Mapping[str, Any], css: str, csp: str) -> dict[str, Any]:
    meta = ctx["meta"]
    cba = ctx["cba"]
    requested = meta.get("money_unit", "auto")
    amounts = [m[k] for m in cba["metrics"] for k in ("pv_costs", "pv_benefits", "npsv")]
    unit = choose_money_unit(amounts) if requested == "auto" else requested
    prices = f"{unit}, real, {meta['price_base_year']} prices"
    metrics = {m["option"]: m for m in cba["metrics"]}
    options = {o["id"]: o for o in ctx["options"]}
    preferred = ctx["summary"]["preferred_option"]
    return {
        "unit": unit,
        "caption": f"{prices}, discounted to {meta['discount_base_year']}",
        "caption_undiscounted": f"{prices}, undiscounted",
        "rounding": rounding_note(unit),
        "sections": [s for s in REPORT_SECTIONS if ctx.get(s.key)],
        "option_names": {k: o["name"] for k, o in options.items()},
        "metrics": metrics,
        "preferred": options[preferred],
        "preferred_metrics": metrics[preferred],
        "counterfactual": options[meta["counterfactual"]],
        "benefit_lines": [ln for ln in cba["pv_lines"] if ln["kind"] == "benefit"],
        "cost_lines": [ln for ln in cba["pv_lines"] if ln["kind"] == "cost"],
        "incidence_options": [o["id"] for o in ctx["options"]
                              if o["id"] in (ctx.get("distributional") or {}).get("incidence", {})],
        "charts": build_figures(ctx, unit),
        # Safe: the stylesheet comes from the template folders and was checked above.
        "css": Markup(css),
        "csp": csp,
    }


def render_report(context: dict[str, Any], *,
                  template_dir: str | os.PathLike[str] | None = None) -> str:
    """Render a report context to a self-contained HTML page.

    Parameters
    ----------
    context : dict
        The report context (keys and units in :mod:`appraisal.outputs.report`). Checked in
        full before anything is rendered.
    template_dir : str or path-like, optional
        A folder whose templates override the bundled ones, file by file.

    Returns
    -------
    str
        The HTML page: inline CSS and SVG, a Content-Security-Policy meta tag first
        in ``<head>``, no scripts and no external resources.

    Raises
    ------
    AppraisalValidationError
        If the context does not match the schema (every problem listed) or
        ``template_dir`` is not a folder.
    UnsafeInputError
        If a (custom) template produces a page that loads external resources, has
        scripts, event handlers or inline styles the policy does not allow.

    Examples
    --------
    The context is checked in full before anything is rendered:

    >>> try:
    ...     render_report({"schema_version": 1, "meta": {}})
    ... except AppraisalValidationError as err:
    ...     print(len(err.issues), "problems, first:", err.issues[0].field)
    15 problems, first: meta.title
    """
    import jinja2

    validate_context(context)
    env = build_environment(None if template_dir is None else _user_folder(template_dir))
    css = _stylesheet(env)
    csp = ("default-src 'none'; " f"style-src '{_sha256(css)}'; img-src data:; "
           "base-uri 'none'; form-action 'none'")
    try:
        template = env.get_template(_MAIN_TEMPLATE)
        html = template.render(ctx=context, view=_view(context, css, csp))
    except jinja2.TemplateError as err:
        if template_dir is None:
            raise  # a bug in the bundled templates: let the tests see it as it is
        name = getattr(err, "filename", None) or getattr(err, "name", None) or "template"
        line = getattr(err, "lineno", None)
        issue = Issue("template-error", f"{type(err).__name__}: {err.message or err}",
                      location=f"{name}:{line}" if line else str(name), field="template_dir",
                      fix="fix the template, or delete it from your folder to use the bundled one")
        raise AppraisalValidationError([issue], source=str(template_dir)) from err
    html = isolate_bidi(html, context)
    try:
        check_self_contained(html)
    except UnsafeInputError as err:
        if template_dir is None:
            raise
        msg = f"{err} (check the templates in {template_dir})"
        raise UnsafeInputError(msg) from err
    return html


#: Unicode bidirectional formatting characters (ALM, LRM, RLM, embeddings, overrides,
#: isolates): in user text they could reorder the page around it.
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_FSI, _PDI = "\u2068", "\u2069"


def _bidi_strings(value: Any, found: set[str]) -> set[str]:
    if isinstance(value, str):
        if BIDI_CONTROLS.search(value):
            found.add(value)
    elif isinstance(value, Mapping):
        for item in value.values():
            _bidi_strings(item, found)
    elif isinstance(value, list | tuple):
        for item in value:
            _bidi_strings(item, found)
    return found


def isolate_bidi(page: str, context: Mapping[str, Any]) -> str:
    """Isolate every user text that carries bidi controls, wherever the page shows it.

    Each context string holding a bidirectional control (e.g. a right-to-left
    override, U+202E) that is not made of another such string (an option name, not
    a sentence quoting it) is wrapped, at each of its appearances in *page* (text,
    attributes, SVG labels), between FIRST STRONG ISOLATE (U+2068) and POP DIRECTIONAL
    ISOLATE (U+2069): the plain-text form of ``<bdi>``, which also works inside
    attributes. The PDI ends any override the text left open, so the text cannot
    reorder what follows it; the text itself is kept exactly. Pages without such
    text are returned unchanged.

    Examples
    --------
    >>> name = "Evil \u202eoption"
    >>> page = isolate_bidi(f"<p>{name} is preferred</p>", {"options": [name]})
    >>> page == "<p>\u2068Evil \u202eoption\u2069 is preferred</p>"
    True
    """
    import html as html_lib

    found = _bidi_strings(context, set())
    if not found:
        return page
    atomic = {s for s in found if not any(t != s and t in s for t in found)}
    forms = set()
    for text in atomic:
        forms |= {text, str(escape(text)), html_lib.escape(text),
                  html_lib.escape(text, quote=False)}
    pattern = re.compile("|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True)))
    return pattern.sub(lambda m: _FSI + m.group(0) + _PDI, page)


class _Audit(HTMLParser):
    """Collect what a page would load or run (see :func:`check_self_contained`)."""

    _FORBIDDEN = frozenset({"script", "iframe", "frame", "object", "embed", "link", "base",
                            "form", "applet", "audio", "video", "source", "track", "portal"})
    _URL_ATTRS = frozenset({"href", "src", "xlink:href", "action", "formaction", "poster",
                            "srcset", "background", "data", "ping", "cite", "longdesc"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.styles: list[str] = []
        self.csp: str | None = None
        self.first_in_head: str | None = None
        self._in_head = False
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "head":
            self._in_head = True
        elif self._in_head and self.first_in_head is None:
            self.first_in_head = tag
            if tag == "meta" and values.get("http-equiv", "").lower() == \
                    "content-security-policy":
                self.csp = values.get("content", "")
        if tag == "meta" and values.get("http-equiv", "").lower() == "refresh":
            self.problems.append("<meta http-equiv=\"refresh\"> (a redirect)")
        if tag in self._FORBIDDEN:
            self.problems.append(f"<{tag}> element")
        if tag == "style":
            self._in_style = True
            self.styles.append("")
        for name, value in values.items():
            if name.startswith("on"):
                self.problems.append(f"event-handler attribute {name!r} on <{tag}>")
            elif name == "style":
                self.problems.append(f"inline style attribute on <{tag}>")
            elif name in self._URL_ATTRS:
                v = value.strip().lower()
                local = v.startswith("#") if name == "href" else v.startswith("data:image/")
                if not local:
                    self.problems.append(f"{name}={value!r} on <{tag}> (only #fragment links "
                                         "and data:image URLs are allowed)")

    def handle_endtag(self, tag: str) -> None:
        if tag == "head":
            self._in_head = False
        elif tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles[-1] += data


def check_self_contained(html: str) -> None:
    """Refuse a page that is not self-contained or breaks its own security policy.

    Parameters
    ----------
    html : str
        A rendered page.

    Raises
    ------
    UnsafeInputError
        Listing every problem: no Content-Security-Policy meta tag first in ``<head>``,
        an inline style whose hash is not in the policy, scripts, frames, external
        links or resources, event-handler or ``style`` attributes.

    Examples
    --------
    >>> check_self_contained('<html><head><title>x</title></head></html>')  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    appraisal.errors.UnsafeInputError: ...: no Content-Security-Policy meta tag first in <head>
    """
    audit = _Audit()
    audit.feed(html)
    audit.close()
    problems = list(audit.problems)
    if audit.csp is None:
        problems.insert(0, "no Content-Security-Policy meta tag first in <head>")
    else:
        if "default-src 'none'" not in audit.csp or "script-src" in audit.csp:
            problems.append("the policy must have default-src 'none' and no script-src")
        problems.extend(f"an inline <style> whose hash {_sha256(s)} is not in the policy"
                        for s in audit.styles if f"'{_sha256(s)}'" not in audit.csp)
    if problems:
        msg = "the rendered report is not self-contained: " + "; ".join(problems)
        raise UnsafeInputError(msg)


def write_report(context: dict[str, Any], path: str | os.PathLike[str], *,
                 template_dir: str | os.PathLike[str] | None = None,
                 force: bool = False, protect: Sequence[str | os.PathLike[str]] = ()
                 ) -> Path:
    """Render a report and write it atomically.

    The page is written to a temporary file in the target folder, flushed to disk and
    renamed over the target, so a reader never sees half a report and a failed run
    leaves any earlier report untouched.

    Parameters
    ----------
    context : dict
        The report context.
    path : str or path-like
        The HTML file to write.
    template_dir : str or path-like, optional
        As for :func:`render_report`.
    force : bool, default False
        Replace ``path`` if it exists (keeping its permissions). Without it an existing
        file is never touched.
    protect : sequence of paths, default ()
        Inputs the report must never replace (same path or a hard link to one).

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    OutputError
        If ``path`` exists and ``force`` is false, is a folder, a symbolic link or a
        protected input, or its folder does not exist or cannot be written (disk full,
        permission denied). Nothing is written in that case.
    AppraisalValidationError, UnsafeInputError
        As for :func:`render_report` (raised before any file is created).
    """
    target = Path(path)
    if target.is_dir():
        msg = f"cannot write the report to {str(target)!r}: it is a folder; give a file name"
        raise OutputError(msg)
    if not target.parent.is_dir():
        msg = (f"cannot write the report to {str(target)!r}: the folder "
               f"{str(target.parent)!r} does not exist; create it first")
        raise OutputError(msg)
    if target.exists() and not force:
        msg = f"{str(target)!r} already exists; pass force=True (--force) to replace it"
        raise OutputError(msg)
    check_destination(target, force=force, protect=protect)  # before the work
    html = render_report(context, template_dir=template_dir)
    atomic_write_bytes(target, html.encode("utf-8"), force=force, protect=protect)
    return target
