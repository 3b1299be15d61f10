"""Helpers for the browser tests: Debian's Chromium launched offline, axe-core audits, keyboard focus."""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path

from playwright.sync_api import Browser, Locator, Page, Playwright

CHROMIUM_PATH = Path("/usr/bin/chromium")
# Never let Chromium (or Playwright) reach the network on its own: no updates, sync, QUIC or pings.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
WCAG_21_AA_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_21_AA_TAGS}, "resultTypes": ["violations"]}


def launch_chromium(playwright: Playwright) -> Browser:
    """Launch the system Chromium headless; Playwright's own browser downloads are never used."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM_PATH), args=CHROMIUM_ARGS)


@cache
def axe_script() -> str:
    """The axe-core script bundled with axe-playwright-python (read once)."""
    return files("axe_playwright_python").joinpath("axe.min.js").read_text(encoding="utf-8")


def axe_violations(page: Page) -> list[dict]:
    """Run axe-core on the page, restricted to WCAG 2.1 A and AA, and return its violations."""
    # Evaluated through the DevTools protocol, so the page's CSP (script-src 'self') does not block it.
    page.evaluate(axe_script())
    return page.evaluate("options => axe.run(document, options).then(results => results.violations)", AXE_OPTIONS)


def describe_violations(where: str, violations: list[dict]) -> str:
    """A readable report: rule id, impact, help and the failing nodes' targets and reasons."""
    lines = [f"{where}: {len(violations)} axe-core WCAG 2.1 A/AA violation(s)"]
    for violation in violations:
        lines.append(
            f"- {violation['id']} [{violation.get('impact')}]: {violation['help']} ({violation.get('helpUrl', '')})"
        )
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"    at {target}: {node.get('html', '')[:160]}")
            summary = (node.get("failureSummary") or "").replace("\n", " / ")
            if summary:
                lines.append(f"       {summary}")
    return "\n".join(lines)


def horizontal_overflow(page: Page) -> list[str]:
    """Elements whose content is wider than their box when the page scrolls sideways; empty when it does not."""
    return page.evaluate(_OVERFLOW_JS)


_OVERFLOW_JS = r"""() => {
  const root = document.documentElement;
  if (root.scrollWidth <= root.clientWidth) return [];
  const text = e => e.textContent.replace(/\s+/g, ' ').trim().slice(0, 40);
  const name = e => `<${e.tagName.toLowerCase()}${e.className ? ' class=' + e.className : ''}>`;
  return [...document.body.querySelectorAll('*')]
    .filter(e => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).display !== 'inline')
    .map(e => `${name(e)} ${e.scrollWidth}px content in ${e.clientWidth}px: ${text(e)}`)
    .concat([`page is ${root.scrollWidth}px wide in a ${root.clientWidth}px viewport`]);
}"""


def describe_focus(page: Page) -> str:
    """The focused element in a few words, for failure messages."""
    return page.evaluate(
        "() => { const e = document.activeElement;"
        " return e ? `<${e.tagName.toLowerCase()}> ${(e.textContent || '').trim().slice(0, 40)}` : 'nothing'; }"
    )


def is_focused(locator: Locator) -> bool:
    """Whether the element is the document's focused element."""
    return locator.evaluate("element => element === document.activeElement")


def tab_until_focused(page: Page, target: Locator, *, max_tabs: int) -> list[str]:
    """Press Tab until target has focus; return what each Tab focused, or fail after max_tabs."""
    visited: list[str] = []
    for _ in range(max_tabs):
        page.keyboard.press("Tab")
        visited.append(describe_focus(page))
        if is_focused(target):
            return visited
    raise AssertionError(f"{max_tabs} Tabs never focused the target; focus went: {visited}")
