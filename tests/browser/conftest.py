"""Real-browser fixtures: a live server on 127.0.0.1 with demo data, Chromium, the pinned htmx."""

import base64
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest

from onestop.config import HTMX_CDN_URL, HTMX_SRI, HTMX_VERSION

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".cache" / "htmx"
SHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def htmx_file() -> Path:
    """The pinned htmx from npm's htmx.org, fetched once into a git-ignored folder."""
    target = CACHE / f"htmx-{HTMX_VERSION}.min.js"
    if not target.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        if shutil.which("npm") is None:
            pytest.fail("npm is needed to fetch htmx.org for the browser tests")
        subprocess.run(
            ["npm", "pack", f"htmx.org@{HTMX_VERSION}", "--silent"],
            cwd=CACHE,
            check=True,
            capture_output=True,
        )
        with tarfile.open(CACHE / f"htmx.org-{HTMX_VERSION}.tgz") as archive:
            member = archive.extractfile("package/dist/htmx.min.js")
            target.write_bytes(member.read())
    digest = base64.b64encode(hashlib.sha384(target.read_bytes()).digest()).decode()
    assert f"sha384-{digest}" == HTMX_SRI, "the npm copy of htmx does not match the pinned SRI hash"
    return target


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(folder: Path, **settings: str):
    """The app with demo data, served by Flask's threaded server on a free loopback port."""
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{folder / 'live.db'}",
        "SECRET_KEY": "browser-tests",
        "ONESTOP_DEMO": "1",
        "ONESTOP_PUBLIC_URL": f"http://127.0.0.1:{port}",
        # Every browser test logs in from 127.0.0.1: the login limit is tested elsewhere.
        "FLASK_LOGIN_RATE_LIMIT": "1000 per minute",
        **settings,
    }
    env.pop("TEST_DATABASE_URL", None)
    log = open(folder / "server.log", "w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "flask",
            "--app",
            "wsgi",
            "run",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-reload",
            "--with-threads",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            break
        except OSError:
            if proc.poll() is not None:
                pytest.fail(f"live server exited: {(folder / 'server.log').read_text()[-2000:]}")
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail("live server did not start")
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(10)
    log.close()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    yield from _serve(tmp_path_factory.mktemp("live"))


@pytest.fixture(scope="session")
def quick_idle_server(tmp_path_factory):
    """A server of its own whose kiosk screens return home after 6 s instead of 20 s."""
    yield from _serve(tmp_path_factory.mktemp("live-idle"), FLASK_KIOSK_IDLE_SECONDS="6")


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"Chromium not found at {CHROMIUM}")
        pytest.skip(f"Chromium not found at {CHROMIUM}; install Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def new_context(browser, htmx_file):
    """Open browser contexts (one per person) that get htmx from the local npm copy."""
    contexts = []
    body = htmx_file.read_bytes()

    def serve_htmx(route):
        route.fulfill(
            status=200,
            body=body,
            content_type="application/javascript",
            headers={"Access-Control-Allow-Origin": "*"},
        )

    def make(**options):
        options.setdefault("viewport", {"width": 1366, "height": 900})
        options.setdefault("locale", "vi-VN")
        context = browser.new_context(**options)
        context.route(HTMX_CDN_URL, serve_htmx)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context):
    return new_context().new_page()


@pytest.fixture
def screenshot(request):
    """Save a full-page screenshot under test-artifacts/screenshots/<test>-<name>.png."""
    SHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str, full_page: bool = True) -> Path:
        path = SHOTS / f"{request.node.name.split('[')[0]}-{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take


@pytest.fixture
def pdf_image():
    """Render a PDF's first page to test-artifacts/screenshots/<name>.png to look at (poppler)."""

    def render(pdf: bytes, name: str, dpi: int) -> Path:
        if not shutil.which("pdftoppm"):
            pytest.skip("pdftoppm (poppler-utils) is needed to render a PDF")
        SHOTS.mkdir(parents=True, exist_ok=True)
        (SHOTS / f"{name}.pdf").write_bytes(pdf)
        command = ["pdftoppm", "-png", "-r", str(dpi), "-singlefile", f"{name}.pdf", name]
        subprocess.run(command, cwd=SHOTS, check=True)
        (SHOTS / f"{name}.pdf").unlink()
        return SHOTS / f"{name}.png"

    return render


@pytest.fixture
def login_page(live_server):
    """Log a page in as a demo user (password demo)."""

    def log_in(page, username: str):
        page.goto(f"{live_server}/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", "demo")
        page.click("form.form button[type=submit]")
        page.wait_for_load_state("networkidle")
        return page

    return log_in


@pytest.fixture
def open_console(new_context, live_server, login_page):
    """An officer's counter console in a new browser, signed in at counter ``number``."""
    from playwright.sync_api import expect

    def open_(username: str, number: int, viewport=None):
        page = new_context(viewport=viewport or {"width": 1440, "height": 1000}).new_page()
        login_page(page, username)
        page.goto(f"{live_server}/counter")
        if page.locator("form.pick").count():
            page.locator("form.pick", has_text=f"Quầy {number}").get_by_role("button").click()
        expect(page.locator("#console-current")).to_be_visible()
        page.wait_for_load_state("load")  # the deferred htmx and console.js are running
        return page

    return open_


def pytest_terminal_summary(terminalreporter):
    if SHOTS.exists() and any(SHOTS.iterdir()):
        terminalreporter.write_line(f"browser screenshots: {SHOTS}")
