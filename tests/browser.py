"""Driving Debian's Chromium with Playwright, and checking pages with axe-core."""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = REPO / "var" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

# Files to upload: the smallest a browser would send of each kind.
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = bytes.fromhex(  # 1 by 1 pixel
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de"
    "0000000c49444154789c63f80f00000101000518d84e0000000049454e44ae426082"
)


@contextmanager
def browser_page(*, width: int = 1024, javascript: bool = True) -> Iterator:
    """A page of a fresh headless Chromium, `width` pixels wide (375 for a phone); with
    `javascript=False`, a browser that runs no script, to show a page works without."""
    from playwright.sync_api import expect, sync_playwright

    # CI runs the browser tests beside the rest of the suite on two cores: be patient.
    expect.set_options(timeout=15_000)

    # Playwright's sync API runs an event loop in this thread; the ORM calls the test
    # makes between steps are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        # axe is injected as a script, which the strict CSP would rightly block.
        context = browser.new_context(
            bypass_csp=True,
            viewport={"width": width, "height": 900},
            java_script_enabled=javascript,
        )
        page = context.new_page()
        try:
            yield page
        finally:
            context.close()
            browser.close()


def assert_accessible(page, name: str) -> None:
    """Runs axe-core's WCAG 2.2 A and AA rules on the page; saves a screenshot."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        WCAG_TAGS,
    )
    violations = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
    ]
    assert violations == [], f"{name}: " + "; ".join(violations)
