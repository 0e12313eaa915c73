"""The harness itself: it must really catch what it promises to catch, or the shell tests'
"no external request, no CSP violation" would pass vacuously."""

from __future__ import annotations

import pytest
from playwright.sync_api import Error as PlaywrightError

pytestmark = pytest.mark.browser


def wait_until(page, condition, timeout_ms: int = 5000) -> None:  # type: ignore[no-untyped-def]
    """Events from the browser arrive asynchronously: give them a moment to be reported."""
    for _ in range(timeout_ms // 50):
        if condition():
            return
        page.wait_for_timeout(50)
    raise AssertionError("the browser did not report the event in time")


def test_requests_off_this_machine_are_aborted_and_reported(page, browser_guard):  # type: ignore[no-untyped-def]
    page.goto("/login/")

    with pytest.raises(PlaywrightError, match="ERR_BLOCKED_BY_CLIENT"):
        page.goto("https://example.com/font.woff2")

    assert browser_guard.blocked_requests == ["GET https://example.com/font.woff2"]
    # Provoked on purpose: taken here, so they do not fail this test at the end.
    assert browser_guard.take_problems() == [
        "request to another host (the product must work offline): "
        "GET https://example.com/font.woff2"
    ]


def test_inline_script_is_refused_by_csp_and_reported(page, browser_guard):  # type: ignore[no-untyped-def]
    page.goto("/login/")

    page.evaluate("""() => {
        const script = document.createElement("script");
        script.textContent = "window.inlineRan = true";
        document.body.append(script);
    }""")

    assert page.evaluate("() => window.inlineRan === undefined")  # the policy held
    wait_until(page, lambda: browser_guard.csp_violations and browser_guard.console_errors)
    assert any('"directive": "script-src-elem"' in v for v in browser_guard.csp_violations)
    assert any("Content Security Policy" in e for e in browser_guard.console_errors)
    assert browser_guard.take_problems()


def test_uncaught_page_errors_are_reported(page, browser_guard):  # type: ignore[no-untyped-def]
    page.goto("/login/")

    page.evaluate("() => { setTimeout(() => { throw new Error('boom from the page'); }); }")

    wait_until(page, lambda: browser_guard.page_errors)
    assert any("boom from the page" in e for e in browser_guard.page_errors)
    assert browser_guard.take_problems()
