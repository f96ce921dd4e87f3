"""axe-core run on a built report's HTML, in Chromium, with the page kept from leaving.

Purpose
    Run axe-core's WCAG 2.1 A and AA rules, plus two best-practice rules, on report pages
    in the machine's Chromium through Playwright. A report checked may be anyone's, so the
    page is served from an address that resolves nowhere, under a policy that runs none of
    its scripts and loads nothing, every other request refused, and axe-core runs in an
    isolated world beside it. Kept apart from :mod:`perspectives.reportcheck` because it
    drives a browser, as :mod:`perspectives.pdf` does.

Inputs
    HTML files; axe-core's ``axe.min.js`` (``PERSPECTIVES_AXE``, else
    ``tests/a11y/node_modules/axe-core``) and Chromium.

Outputs
    :func:`run_axe`: each page's violations, or why it could not be checked.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from perspectives.study import repo_root

# axe-core: every WCAG 2.1 A and AA rule, plus two best-practice rules the reports must pass.
AXE_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
AXE_BEST_PRACTICE = ("empty-table-header", "heading-order")
AXE_FILE = Path("tests") / "a11y" / "node_modules" / "axe-core" / "axe.min.js"
# The browser flags of perspectives.pdf: headless, no sandbox (containers), nothing fetched.
BROWSER_FLAGS = ("--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-extensions")


def axe_script() -> Path | None:
    """axe-core's ``axe.min.js``: ``PERSPECTIVES_AXE`` if set, else the repository's npm install."""
    explicit = os.environ.get("PERSPECTIVES_AXE")
    path = Path(explicit) if explicit else repo_root() / AXE_FILE
    return path if path.is_file() else None


def run_axe(pages: Iterable[Path], script: Path | None = None) -> dict[str, list[dict[str, Any]] | str]:
    """axe-core's violations for each HTML page, run in Chromium through Playwright.

    The browser is the machine's Chromium (as for the PDF), never one Playwright downloads.
    Every rule tagged WCAG 2.0/2.1 A or AA runs, plus :data:`AXE_BEST_PRACTICE`.

    A report checked may be anyone's, so the page is served as the printer serves it
    (:func:`_axe_page`): from an address that resolves nowhere, under a policy that lets none
    of its own scripts run, with every other request it makes refused. axe-core runs beside
    the page, in an isolated world the page's policy does not bind, and reads its DOM.

    Args:
        pages: HTML files.
        script: ``axe.min.js`` (default :func:`axe_script`).

    Returns:
        ``{page path: [{"id", "impact", "help", "nodes"}, ...]}`` (nodes: how many elements),
        or for a page axe-core could not check (it tried to leave, it broke the browser), why.

    Raises:
        RuntimeError: no axe-core or no Chromium.
    """
    from playwright.sync_api import sync_playwright

    from perspectives.pdf import find_chromium

    script = script or axe_script()
    if script is None:
        raise RuntimeError("axe-core is not installed (run `make env`, or `npm ci --prefix tests/a11y`)")
    browser_path = find_chromium()
    if browser_path is None:
        raise RuntimeError("no Chromium found to run axe-core in (apt-get install chromium)")
    source = script.read_text(encoding="utf-8")
    results: dict[str, list[dict[str, Any]] | str] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=browser_path, headless=True,
                                             args=[*BROWSER_FLAGS, *SANDBOX_FLAGS])
        try:
            for path in pages:
                results[str(path)] = _axe_page(browser, Path(path), source)
        finally:
            browser.close()
    return results


# Where a checked page is served from (RFC 2606: resolves nowhere, never looked up), and the
# policy it is served under: its inline styles and data: images and fonts, nothing else (no
# script of its own, no frame, no remote or local load). Every host name also resolves to
# nothing, for what a policy does not cover (a DNS prefetch).
AXE_ORIGIN = "https://report.invalid/"
AXE_PAGE_POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:"
SANDBOX_FLAGS = ("--host-resolver-rules=MAP * ~NOTFOUND",)
_AXE_RUN = """axe.run(document, {runOnly: {type: 'rule', values: axe.getRules(%s).map(r => r.ruleId).concat(%s)},
                                 resultTypes: ['violations']})
   .then(out => out.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length})))"""


def _axe_page(browser: Any, path: Path, source: str) -> list[dict[str, Any]] | str:
    """axe-core's violations on one page, or why it could not check it (see :func:`run_axe`)."""
    import urllib.parse

    url = AXE_ORIGIN + urllib.parse.quote(path.name)
    body = path.read_bytes()
    context = browser.new_context(java_script_enabled=True, bypass_csp=False, service_workers="block")
    served: list[str] = []
    left: list[str] = []
    try:
        page = context.new_page()

        def answer(route: Any) -> None:
            request = route.request
            main = request.is_navigation_request() and request.frame == page.main_frame
            if main and request.url == url and not served:  # the page's document, once
                served.append(url)
                route.fulfill(status=200, body=body, headers={"Content-Type": "text/html; charset=utf-8",
                                                              "Content-Security-Policy": AXE_PAGE_POLICY})
                return
            if main:
                parts = urllib.parse.urlsplit(request.url)
                left.append(f"{parts.scheme}://{parts.netloc}" if parts.netloc else f"{parts.scheme}:")
            route.abort("blockedbyclient")

        context.route("**/*", answer)
        page.goto(url)
        session = context.new_cdp_session(page)
        frame = session.send("Page.getFrameTree")["frameTree"]["frame"]["id"]
        world = session.send("Page.createIsolatedWorld", {"frameId": frame, "worldName": "axe"})["executionContextId"]
        loaded = session.send("Runtime.evaluate", {"expression": source, "contextId": world})
        found = session.send("Runtime.evaluate", {
            "expression": _AXE_RUN % (json.dumps(list(AXE_TAGS)), json.dumps(list(AXE_BEST_PRACTICE))),
            "contextId": world, "awaitPromise": True, "returnByValue": True})
    except Exception as exc:  # noqa: BLE001 - Playwright's and the protocol's errors alike: not checked
        return f"axe-core could not check {path.name} ({type(exc).__name__}: {str(exc).splitlines()[0][:200]})"
    finally:
        context.close()
    if left:
        return f"axe-core did not check {path.name}: the page tried to leave the report for {left[0]}"
    failure = loaded.get("exceptionDetails") or found.get("exceptionDetails")
    if failure:
        return f"axe-core failed on {path.name}: {failure.get('exception', {}).get('description', failure)}"[:300]
    return list(found["result"]["value"])
