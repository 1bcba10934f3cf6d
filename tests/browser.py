"""Headless-Chromium harness for the report tests, using only the standard library.

Chromium is driven over the DevTools protocol through ``--remote-debugging-pipe``:
the browser reads NUL-terminated JSON commands on file descriptor 3 and writes
responses and events on file descriptor 4. The harness opens a page, records every
console message and network request, reads back the DOM as the browser parsed it,
and saves a full-page PNG screenshot.

Test modules load this file by path (pytest runs with ``--import-mode=importlib``,
so ``tests`` is not importable as a package)::

    path = Path(__file__).with_name("browser.py")
    spec = importlib.util.spec_from_file_location("report_browser", path)

and re-export the :func:`chromium` fixture, which skips the test with a clear message
when Chromium is missing, or fails it under CI (``CI=true``).
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--mute-audio",
    "--remote-debugging-pipe",
)
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


class BrowserError(Exception):
    """Chromium could not be started or did not answer in time."""


@dataclass(frozen=True)
class BrowserResult:
    """What the browser saw when it rendered a page.

    Attributes
    ----------
    console_errors : list of str
        Console messages at level error or warning, uncaught exceptions, and
        browser log entries (CSP violations, failed loads) at level error or warning.
    network_requests : list of str
        The URL of every request the page made, starting with the page itself.
    headings : list of (int, str)
        Each h1–h6 in document order: level and text.
    dom_text : str
        The text content of ``<body>`` after parsing, whitespace collapsed.
    screenshot : pathlib.Path
        The full-page PNG.
    dom_html : str
        The serialised DOM.
    dialogs : list of str
        Messages of any JavaScript dialogs (alert, confirm) that opened.
    console_messages : list of str
        Every console and log message, whatever its level.
    """

    console_errors: list[str]
    network_requests: list[str]
    headings: list[tuple[int, str]]
    dom_text: str
    screenshot: Path
    dom_html: str = ""
    dialogs: list[str] = field(default_factory=list)
    console_messages: list[str] = field(default_factory=list)


def find_chromium() -> str | None:
    """Path of a Chromium executable: ``$CHROMIUM``, then the usual names on PATH."""
    explicit = os.environ.get("CHROMIUM")
    if explicit:
        return explicit if Path(explicit).is_file() else None
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").is_file() else None


@pytest.fixture(scope="session")
def chromium() -> str:
    """The Chromium executable; skip (or fail under CI) when it is missing."""
    path = find_chromium()
    if path is None:
        msg = ("headless Chromium is needed for the browser tests but was not found "
               "(install the Debian package 'chromium', or set CHROMIUM=/path/to/chrome)")
        if os.environ.get("CI") == "true":
            pytest.fail(msg + "; CI=true, so this is an error", pytrace=False)
        pytest.skip(msg)
    return path


class _Pipe:
    """The DevTools protocol over a pair of pipes: commands, responses, events."""

    def __init__(self, write_fd: int, read_fd: int, deadline: float) -> None:
        self._w, self._r = write_fd, read_fd
        self._buffer = b""
        self._next_id = 0
        self.deadline = deadline
        self.events: list[dict[str, Any]] = []

    def send(self, method: str, params: dict[str, Any] | None = None,
             session: str | None = None) -> int:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        data = json.dumps(message).encode() + b"\0"
        while data:
            data = data[os.write(self._w, data):]
        return self._next_id

    def call(self, method: str, params: dict[str, Any] | None = None,
             session: str | None = None) -> dict[str, Any]:
        wanted = self.send(method, params, session)
        while True:
            message = self._receive()
            if message.get("id") == wanted:
                if "error" in message:
                    raise BrowserError(f"{method} failed: {message['error']}")
                return message.get("result", {})

    def pump(self, seconds: float) -> None:
        """Read events for ``seconds`` (they are stored in :attr:`events`)."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self._receive(until=end)

    def wait_for(self, method: str, session: str | None = None) -> dict[str, Any]:
        for event in self.events:
            if event.get("method") == method and event.get("sessionId") == session:
                return event
        while True:
            message = self._receive()
            if message.get("method") == method and message.get("sessionId") == session:
                return message

    def _receive(self, until: float | None = None) -> dict[str, Any]:
        limit = self.deadline if until is None else min(until, self.deadline)
        while b"\0" not in self._buffer:
            remaining = limit - time.monotonic()
            if remaining <= 0:
                if until is not None and until < self.deadline:
                    return {}
                raise BrowserError("Chromium did not answer in time")
            ready, _, _ = select.select([self._r], [], [], remaining)
            if ready:
                chunk = os.read(self._r, 1 << 20)
                if not chunk:
                    raise BrowserError("Chromium closed the DevTools pipe")
                self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        message = json.loads(raw)
        if "method" in message:
            self.events.append(message)
        return message


class _Outline(HTMLParser):
    """Headings and body text of a serialised DOM."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.headings: list[tuple[int, str]] = []
        self.text: list[str] = []
        self._heading: tuple[int, list[str]] | None = None
        self._skip = 0
        self._in_body = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self._in_body = True
        if tag in ("style", "script", "title") and self._in_body:
            self._skip += 1
        if len(tag) == 2 and tag[0] == "h" and tag[1] in "123456":
            self._heading = (int(tag[1]), [])

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script", "title") and self._in_body and self._skip:
            self._skip -= 1
        if self._heading and tag == f"h{self._heading[0]}":
            self.headings.append((self._heading[0], " ".join("".join(self._heading[1]).split())))
            self._heading = None

    def handle_data(self, data: str) -> None:
        if self._heading:
            self._heading[1].append(data)
        if self._in_body and not self._skip:
            self.text.append(data)


def _high_fd(fd: int) -> int:
    """Move ``fd`` to a number >= 10 (close-on-exec), so moving it to 3 or 4 clobbers nothing."""
    high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return high


def _messages(events: list[dict[str, Any]], session: str) -> tuple[list[str], list[str],
                                                                   list[str], list[str]]:
    errors, everything, requests, dialogs = [], [], [], []
    for event in events:
        if event.get("sessionId") != session:
            continue
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled":
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"])
            everything.append(f"console.{params['type']}: {text}")
            if params["type"] in ("error", "assert", "warning"):
                errors.append(f"console.{params['type']}: {text}")
        elif method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            text = details.get("exception", {}).get("description", details.get("text", ""))
            everything.append(f"exception: {text}")
            errors.append(f"exception: {text}")
        elif method == "Log.entryAdded":
            entry = params["entry"]
            everything.append(f"{entry['source']} {entry['level']}: {entry['text']}")
            if entry["level"] in ("error", "warning"):
                errors.append(f"{entry['source']} {entry['level']}: {entry['text']}")
        elif method == "Network.requestWillBeSent":
            requests.append(params["request"]["url"])
        elif method == "Page.javascriptDialogOpening":
            dialogs.append(params.get("message", ""))
    return errors, everything, requests, dialogs


@contextlib.contextmanager
def _browser(executable: str, width: int, timeout: float) -> Iterator[tuple[_Pipe, str]]:
    """Start Chromium on a fresh profile; yield the DevTools pipe and a page session."""
    profile = tempfile.mkdtemp(prefix="appraisal-chromium-")
    to_child_r, to_child_w = os.pipe()
    from_child_r, from_child_w = os.pipe()
    child_in, child_out = _high_fd(to_child_r), _high_fd(from_child_w)

    def _pipes_to_3_and_4() -> None:  # runs in the child, between fork and exec
        os.dup2(child_in, 3)
        os.dup2(child_out, 4)

    args = [executable, *FLAGS, f"--user-data-dir={profile}", f"--window-size={width},900",
            "about:blank"]
    log = open(Path(profile) / "chromium-stderr.log", "wb")  # closed in finally
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                            pass_fds=(3, 4), preexec_fn=_pipes_to_3_and_4)
    os.close(child_in)
    os.close(child_out)
    pipe = _Pipe(to_child_w, from_child_r, time.monotonic() + timeout)
    try:
        target = pipe.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = pipe.call("Target.attachToTarget",
                            {"targetId": target, "flatten": True})["sessionId"]
        yield pipe, session
    except BrowserError as err:
        log.flush()
        tail = (Path(profile) / "chromium-stderr.log").read_text(errors="replace")[-2000:]
        raise BrowserError(f"{err}; Chromium said:\n{tail}") from err
    finally:
        try:
            pipe.send("Browser.close")
            proc.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait(timeout=10)
        for fd in (to_child_w, from_child_r):
            os.close(fd)
        log.close()
        shutil.rmtree(profile, ignore_errors=True)


def _open(pipe: _Pipe, session: str, page: Path, *, javascript: bool, media: str,
          width: int, settle: float, height: int = 900) -> None:
    for method in ("Page.enable", "Runtime.enable", "Log.enable", "Network.enable",
                   "DOM.enable"):
        pipe.call(method, session=session)
    pipe.call("Emulation.setScriptExecutionDisabled", {"value": not javascript},
              session=session)
    pipe.call("Emulation.setEmulatedMedia", {"media": media}, session=session)
    pipe.call("Emulation.setDeviceMetricsOverride",
              {"width": width, "height": height, "deviceScaleFactor": 1,
               "mobile": width < 640},
              session=session)
    pipe.call("Page.navigate", {"url": page.as_uri()}, session=session)
    pipe.wait_for("Page.loadEventFired", session)
    pipe.pump(settle)
    for event in pipe.events:
        if event.get("method") == "Page.javascriptDialogOpening":
            pipe.send("Page.handleJavaScriptDialog", {"accept": True}, session=session)


def render_in_browser(html_path: str | os.PathLike[str], screenshot_path: str | os.PathLike[str],
                      *, chromium: str | None = None, javascript: bool = False,
                      media: str = "screen", width: int = 1280, settle: float = 0.5,
                      timeout: float = 60.0) -> BrowserResult:
    """Open ``html_path`` in headless Chromium and report what happened.

    Parameters
    ----------
    html_path : path
        The HTML file to open (as a ``file://`` URL).
    screenshot_path : path
        Where to write the full-page PNG (folders are created).
    chromium : str, optional
        The executable; found with :func:`find_chromium` by default.
    javascript : bool, default False
        Let page scripts run (the report has none; with False the page must still
        work, which is the "renders with JavaScript disabled" check).
    media : {"screen", "print"}
        The CSS media type to emulate (``print`` shows the print stylesheet).
    width : int
        Viewport width in CSS pixels.
    settle : float
        Seconds to keep listening after the load event for late requests.
    timeout : float
        Seconds before giving up.
    """
    executable = chromium or find_chromium()
    if executable is None:
        raise BrowserError("Chromium not found")
    page = Path(html_path).resolve()
    shot = Path(screenshot_path)
    shot.parent.mkdir(parents=True, exist_ok=True)
    with _browser(executable, width, timeout) as (pipe, session):
        _open(pipe, session, page, javascript=javascript, media=media, width=width,
              settle=settle)
        root = pipe.call("DOM.getDocument", {"depth": -1}, session=session)["root"]
        dom_html = pipe.call("DOM.getOuterHTML", {"nodeId": root["nodeId"]},
                             session=session)["outerHTML"]
        size = pipe.call("Page.getLayoutMetrics", session=session)["cssContentSize"]
        png = pipe.call("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True, "fromSurface": True,
            "clip": {"x": 0, "y": 0, "width": max(size["width"], width),
                     "height": size["height"], "scale": 1}}, session=session)["data"]
        shot.write_bytes(base64.b64decode(png))
        errors, everything, requests, dialogs = _messages(pipe.events, session)
    outline = _Outline()
    outline.feed(dom_html)
    return BrowserResult(
        console_errors=errors, network_requests=requests, headings=outline.headings,
        dom_text=" ".join("".join(outline.text).split()), screenshot=shot, dom_html=dom_html,
        dialogs=dialogs, console_messages=everything,
    )


def print_to_pdf(html_path: str | os.PathLike[str], pdf_path: str | os.PathLike[str], *,
                 chromium: str | None = None, timeout: float = 60.0) -> Path:
    """Print ``html_path`` to PDF as a user would, honouring the page's ``@page`` size."""
    executable = chromium or find_chromium()
    if executable is None:
        raise BrowserError("Chromium not found")
    out = Path(pdf_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    with _browser(executable, 1280, timeout) as (pipe, session):
        _open(pipe, session, Path(html_path).resolve(), javascript=False, media="print",
              width=1280, settle=0.2)
        data = pipe.call("Page.printToPDF", {"preferCSSPageSize": True, "printBackground": True},
                         session=session)["data"]
    out.write_bytes(base64.b64decode(data))
    return out


def element_boxes(html_path: str | os.PathLike[str], selectors: list[str], *,
                  width: int = 1280, height: int = 900, chromium: str | None = None,
                  screenshot_path: str | os.PathLike[str] | None = None,
                  timeout: float = 60.0) -> dict[str, tuple[float, float] | None]:
    """Top and bottom edge (CSS px from the top of the page) of the first element matching
    each selector, in a ``width`` x ``height`` viewport (a phone below 640 px), JavaScript
    off; ``None`` when nothing matches. Optionally saves a screenshot of the first screen."""
    executable = chromium or find_chromium()
    if executable is None:
        raise BrowserError("Chromium not found")
    out: dict[str, tuple[float, float] | None] = {}
    with _browser(executable, width, timeout) as (pipe, session):
        _open(pipe, session, Path(html_path).resolve(), javascript=False, media="screen",
              width=width, settle=0.2, height=height)
        root = pipe.call("DOM.getDocument", {"depth": 0}, session=session)["root"]["nodeId"]
        for sel in selectors:
            node = pipe.call("DOM.querySelector", {"nodeId": root, "selector": sel},
                             session=session)["nodeId"]
            if not node:
                out[sel] = None
                continue
            quad = pipe.call("DOM.getBoxModel", {"nodeId": node},
                             session=session)["model"]["border"]
            ys = quad[1::2]
            out[sel] = (float(min(ys)), float(max(ys)))
        if screenshot_path is not None:
            png = pipe.call("Page.captureScreenshot", {"format": "png"},
                            session=session)["data"]
            Path(screenshot_path).parent.mkdir(parents=True, exist_ok=True)
            Path(screenshot_path).write_bytes(base64.b64decode(png))
    return out
