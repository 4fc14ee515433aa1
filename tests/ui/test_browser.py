"""One end-to-end test in a real headless browser (Debian's Chromium driven by Playwright).

Starts ``streamlit run ui/app.py`` on a free loopback port with an offline coach and a temp data
dir, chats on the Live deal page, answers a drill, plays a short role-play to the debrief, and
saves a screenshot of each page (pytest's tmp_path, copied to ``test-output/screenshots``).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ui.conftest import EXAMPLE_DEAL, ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SERVER_START_SECONDS = 120
STEP_MS = 60_000  # generous waits: the machine may be busy running the rest of the suite

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="no Chromium at /usr/bin/chromium (CI installs it with apt)"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"streamlit exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"streamlit did not become healthy:\n{log.read_text()[-3000:]}")


@pytest.fixture
def server(tmp_path: Path, ui_index_dir: Path) -> Iterator[str]:
    """A real Streamlit server on loopback, offline coach, data in tmp (index copied, not rebuilt)."""
    data_dir = tmp_path / "data"
    shutil.copytree(ui_index_dir / "index", data_dir / "index")
    port = _free_port()
    env = {**os.environ, "COACH_DATA_DIR": str(data_dir), "COACH_LLM_PROVIDER": "offline",
           "ANONYMIZED_TELEMETRY": "False", "HF_HUB_OFFLINE": "1"}
    env.pop("COACH_DATABASE_URL", None)
    log = tmp_path / "streamlit.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "ui/app.py", "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc, log)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def _settled(page) -> None:  # type: ignore[no-untyped-def]
    """Wait until the script run is over and every chart has drawn."""
    page.wait_for_timeout(300)
    page.wait_for_function(
        "() => !document.querySelector(\"[data-testid='stStatusWidget'] button\")"
        " && !document.querySelector(\"[data-testid='stSkeleton']\")"
        " && [...document.querySelectorAll('.vega-embed')].every(e => e.querySelector('canvas, svg'))",
        timeout=STEP_MS)
    page.wait_for_timeout(500)


def _shot(page, folder: Path, name: str) -> Path:  # type: ignore[no-untyped-def]
    """A screenshot of the whole page: the viewport grows to the height of Streamlit's scroll area."""
    _settled(page)
    height = page.evaluate("() => Math.max(...[...document.querySelectorAll("
                           "\"main, .stMain, [data-testid='stAppScrollToBottomContainer']\")]"
                           ".map(e => e.scrollHeight), document.body.scrollHeight)")
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": min(int(height) + 40, 8000)})
    _settled(page)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(size)
    return path


def _no_exception(page) -> None:  # type: ignore[no-untyped-def]
    assert page.locator("[data-testid='stException']").count() == 0, page.locator(
        "[data-testid='stException']").first.inner_text()


def _chat(page, text: str) -> None:  # type: ignore[no-untyped-def]
    box = page.locator("[data-testid='stChatInput'] textarea")
    box.fill(text)
    box.press("Enter")


def _goto(page, title: str) -> None:  # type: ignore[no-untyped-def]
    page.locator("[data-testid='stSidebarNav']").get_by_text(title, exact=True).click()
    page.get_by_role("heading", name=title).first.wait_for(timeout=STEP_MS)


def test_browser_end_to_end(server: str, tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    shots = tmp_path / "screenshots"
    shots.mkdir()
    taken: list[Path] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1400})
        page.set_default_timeout(STEP_MS)
        page.goto(server)
        page.get_by_role("heading", name="Live deal").wait_for()
        _chat(page, EXAMPLE_DEAL)
        page.get_by_text("Suggested first offer").first.wait_for()
        page.get_by_text("(offline coach)").first.wait_for()
        _no_exception(page)
        taken.append(_shot(page, shots, "1-live-deal"))
        page.get_by_role("button", name="Draft 3 MESOs").click()
        page.get_by_text("MESO 3").first.wait_for()
        page.get_by_role("tab", name="Frontier").click()
        _no_exception(page)
        taken.append(_shot(page, shots, "1b-live-deal-mesos"))
        page.get_by_role("tab", name="Checklist").click()
        page.get_by_text("Preparation").first.wait_for()
        taken.append(_shot(page, shots, "1c-live-deal-checklist"))

        _goto(page, "Practice")
        page.get_by_role("button", name="Start today's drills").click()
        page.get_by_text("0 of").first.wait_for()
        _settled(page)
        if page.locator("[data-testid='stRadio'] label").count():
            page.locator("[data-testid='stRadio'] label").first.click()
        else:
            page.locator("[data-testid='stTextArea'] textarea").fill("Ask what matters most to them and why.")
        page.get_by_role("button", name="Check my answer").click()
        page.get_by_text("Model answer").wait_for()
        page.get_by_text("1 of").first.wait_for()
        _no_exception(page)
        taken.append(_shot(page, shots, "2-practice"))

        _goto(page, "Role-play")
        page.get_by_role("button", name="Start the role-play").wait_for()
        taken.append(_shot(page, shots, "3a-roleplay-setup"))
        page.get_by_role("button", name="Start the role-play").click()
        page.get_by_text("Offers exchanged").wait_for()
        _chat(page, "What matters most to you in this, and why?")
        page.get_by_text("Rewind to before turn 1").wait_for()
        _chat(page, "I can offer a package: Title Lead analyst and a 5% raise.")
        page.get_by_text("Rewind to before turn 2").wait_for()
        _no_exception(page)
        taken.append(_shot(page, shots, "3-roleplay"))
        page.get_by_role("button", name="End and debrief").click()
        page.get_by_role("button", name="Reveal the debrief").click()
        page.get_by_role("heading", name="Debrief").wait_for()
        page.get_by_text("Share of max joint value").wait_for()
        _no_exception(page)
        taken.append(_shot(page, shots, "4-roleplay-debrief"))

        _goto(page, "Progress")
        page.get_by_text("Streak calendar").wait_for()
        _no_exception(page)
        taken.append(_shot(page, shots, "5-progress"))

        _goto(page, "Settings")
        page.get_by_role("button", name="Test connection").click()
        page.get_by_text("Connection OK").wait_for()
        _no_exception(page)
        taken.append(_shot(page, shots, "6-settings"))
        browser.close()

    out = ROOT / "test-output" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    for path in taken:
        assert path.stat().st_size > 10_000  # a real rendering, not a blank page
        shutil.copy(path, out / path.name)
