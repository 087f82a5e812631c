"""The page of `sign2gpt serve` in a real browser: headless Chromium (Debian's chromium and
chromium-driver, driven by Selenium with explicit paths, so nothing is downloaded) against a
real `sign2gpt serve` process on a free loopback port.

It uploads synthetic clips through the file input and a webcam recording (Chromium's fake
camera), checks the sentence equals the CLI's, the keyboard path, the phone-sized layout, that
no request left 127.0.0.1 and that the server deletes the uploads; it saves screenshots under
the test's tmp folder and, when SIGN2GPT_SCREENSHOT_DIR is set, there too.
"""

from __future__ import annotations

import base64
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

pytest.importorskip("fastapi", reason="sign2gpt serve needs the `serve` extra")
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")

from data_fixtures import encode, frame_pixels  # noqa: E402
from selenium.webdriver.chrome.options import Options  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402
from serve_fixtures import build_checkpoints, write_clip  # noqa: E402

from sign2gpt.cli import main  # noqa: E402

CHROMIUM = os.environ.get("SIGN2GPT_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("SIGN2GPT_CHROMEDRIVER", "/usr/bin/chromedriver")
CHROME_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--use-fake-device-for-media-stream",  # a synthetic webcam for the recording test
    "--use-fake-ui-for-media-stream",  # and no permission prompt
    "--window-size=1280,1100",
]
PHONE = {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True}


def _browser_or_skip() -> None:
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not Path(path).is_file():
            pytest.skip(f"{path} not found: apt-get install {package} (.ci/run does)")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory):
    _browser_or_skip()
    root = tmp_path_factory.mktemp("browser")
    translate, pgp = build_checkpoints(root / "ckpt")
    tmp = root / "server-tmp"  # the server's temporary folder, watched by the tests
    tmp.mkdir()
    argv = [sys.executable, "-m", "sign2gpt", "serve", "--checkpoint", str(translate)]
    argv += ["--heatmap-checkpoint", str(pgp), "--port", "0", "--log-level", "warning"]
    env = {**os.environ, "TMPDIR": str(tmp), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(x) for x in proc.stdout], daemon=True).start()
    url, seen = None, []
    deadline = time.monotonic() + 120
    while url is None and time.monotonic() < deadline and proc.poll() is None:
        try:
            line = lines.get(timeout=0.5)
        except queue.Empty:
            continue
        seen.append(line)
        if line.startswith("sign2gpt serve: http://"):
            url = line.split()[2]
    if url is None:
        proc.kill()
        pytest.fail("sign2gpt serve did not start:\n" + "".join(seen[-30:]))
    info = {"url": url, "root": root, "translate": translate, "tmp": tmp, "proc": proc}
    try:
        yield info
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture(scope="module")
def browser(served):
    options = Options()
    options.binary_location = CHROMIUM
    for flag in CHROME_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={served['root'] / 'chromium-profile'}")
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    # an explicit driver path: Selenium Manager (which would download one) is never asked
    service = Service(executable_path=CHROMEDRIVER, log_output=str(served["root"] / "driver.log"))
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def shot(driver, served, name: str, full_page: bool = True) -> Path:
    """A PNG of the page (all of it) under the tmp folder and $SIGN2GPT_SCREENSHOT_DIR."""
    if full_page:
        png = base64.b64decode(
            driver.execute_cdp_cmd(
                "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}
            )["data"]
        )
    else:
        png = driver.get_screenshot_as_png()
    path = served["root"] / name
    path.write_bytes(png)
    if out := os.environ.get("SIGN2GPT_SCREENSHOT_DIR"):
        Path(out).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(out) / name)
    return path


def assert_stayed_local(driver, url: str) -> list[str]:
    """Every request the browser made since the last call went to this server, or never left
    it (data: and blob: URLs, chrome:// pages of the browser itself); the console shows no
    content-security-policy refusal."""
    base = urlsplit(url)
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    for u in urls:
        parts = urlsplit(u)
        if parts.scheme in ("data", "blob", "chrome"):
            continue
        assert (parts.scheme, parts.hostname, parts.port) == ("http", "127.0.0.1", base.port), u
    console = [e["message"] for e in driver.get_log("browser")]
    assert not [m for m in console if "Content Security Policy" in m or "Refused to" in m], console
    return urls


def history_size(driver) -> int:
    return len(driver.find_elements(By.CSS_SELECTOR, "#history > li"))


def upload(driver, path: Path, timeout: float = 90) -> str:
    """Give the file input ``path``; wait for the new history entry; return the page state."""
    before = history_size(driver)
    driver.find_element(By.ID, "file").send_keys(str(path))
    WebDriverWait(driver, timeout).until(lambda d: history_size(d) > before)
    return driver.find_element(By.TAG_NAME, "body").get_attribute("data-state")


def open_page(driver, served) -> None:
    driver.get(served["url"])
    WebDriverWait(driver, 30).until(
        lambda d: d.find_element(By.ID, "model-line").text.startswith("Sign2GPT")
    )


def cli_sentence(checkpoint: Path, clip: Path, capsys) -> str:
    capsys.readouterr()
    assert main(["translate", "--checkpoint", str(checkpoint), str(clip)]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith(str(clip)))
    return line.split("\t", 1)[1]


def uploads_left(served) -> list[Path]:
    return [p for p in served["tmp"].glob("sign2gpt-serve-*/uploads/*")]


def image_loaded(driver, element_id: str) -> bool:
    return driver.execute_script(
        "const i = document.getElementById(arguments[0]);"
        "return i.complete && i.naturalWidth > 0 && !i.closest('figure').hidden;",
        element_id,
    )


def test_page_translates_an_uploaded_clip_like_the_cli(served, browser, capsys):
    clip = write_clip(served["root"] / "clip_a.mp4", clip=1, num_frames=20)
    expected = cli_sentence(served["translate"], clip, capsys)
    open_page(browser, served)
    assert upload(browser, clip) == "done"
    assert browser.find_element(By.ID, "text").text == expected
    assert browser.find_element(By.ID, "text").get_attribute("lang") == "de"
    assert browser.find_element(By.ID, "fact-frames").text == "20 decoded, 10 seen by the model"
    assert browser.find_element(By.ID, "fact-file").text == "clip_a.mp4"
    assert "Translated clip_a.mp4 in" in browser.find_element(By.ID, "status").text
    WebDriverWait(browser, 10).until(lambda d: image_loaded(d, "sheet"))
    WebDriverWait(browser, 10).until(lambda d: image_loaded(d, "heatmap"))
    assert uploads_left(served) == []  # the server deleted the upload
    shot(browser, served, "serve-desktop.png")
    urls = assert_stayed_local(browser, served["url"])
    assert any(u.endswith("/api/translate") or "/api/translate?" in u for u in urls)
    assert any("/contact_sheet.png" in u for u in urls)


def test_keyboard_reaches_everything_in_order_and_enter_opens_the_picker(served, browser):
    open_page(browser, served)  # a fresh load: focus starts at the top of the page
    order = []
    for _ in range(3):
        ActionChains(browser).send_keys(Keys.TAB).perform()
        order.append(browser.switch_to.active_element.get_attribute("id"))
    assert order == ["drop", "choose-folder", "record"]
    drop = browser.find_element(By.ID, "drop")
    assert drop.get_attribute("role") == "button" and drop.get_attribute("tabindex") == "0"
    # the file picker cannot be seen headless: count the clicks it would open on
    browser.execute_script(
        "window.picks = 0; document.getElementById('file').addEventListener('click',"
        " (e) => { window.picks += 1; e.preventDefault(); });"
    )
    drop.send_keys(Keys.ENTER)
    drop.send_keys(" ")
    assert browser.execute_script("return window.picks") == 2
    live = browser.find_element(By.CSS_SELECTOR, "#result [aria-live]")
    assert live.get_attribute("aria-live") == "polite"
    assert browser.find_element(By.ID, "error").get_attribute("role") == "alert"
    # every control has a name a screen reader can say
    unnamed = browser.execute_script(
        "return [...document.querySelectorAll('button, input, [role=button]')].filter(e =>"
        " !(e.getAttribute('aria-label') || e.textContent.trim() || e.labels?.length))"
        ".map(e => e.id)"
    )
    assert unnamed == []
    assert_stayed_local(browser, served["url"])


def test_a_bad_file_gets_a_clear_message_and_the_next_clip_works(served, browser, tmp_path):
    open_page(browser, served)
    bad = tmp_path / "notes.txt"
    bad.write_text("not a video\n")
    assert upload(browser, bad) == "error"
    error = browser.find_element(By.ID, "error")
    assert error.is_displayed() and error.text.startswith("notes.txt: not a video")
    assert "Could not translate notes.txt" in browser.find_element(By.ID, "status").text
    assert not browser.find_element(By.ID, "text").is_displayed()
    fake = tmp_path / "fake.mp4"
    fake.write_bytes(b"\0" * 4096)
    assert upload(browser, fake) == "error"
    assert "fake.mp4: not a readable video" in browser.find_element(By.ID, "error").text
    good = write_clip(tmp_path / "clip_b.mp4", clip=4, num_frames=9)
    assert upload(browser, good) == "done"
    assert not browser.find_element(By.ID, "error").is_displayed()
    items = browser.find_elements(By.CSS_SELECTOR, "#history > li")
    assert "clip_b.mp4" in items[0].text and "notes.txt" in items[2].text
    assert "failed" in items[2].get_attribute("class")
    assert uploads_left(served) == []
    assert_stayed_local(browser, served["url"])


def test_a_folder_of_frames_is_translated_like_the_cli(served, browser, tmp_path, capsys):
    folder = tmp_path / "my_clip"
    folder.mkdir()
    for i in range(14):  # images2 must come before images10: name order, numbers as numbers
        (folder / f"images{i}.png").write_bytes(encode(frame_pixels(3, i, 40, 30), "PNG"))
    (folder / "notes.txt").write_text("not a frame")
    expected = cli_sentence(served["translate"], folder, capsys)
    open_page(browser, served)
    before = history_size(browser)
    browser.find_element(By.ID, "folder").send_keys(str(folder))  # webkitdirectory
    WebDriverWait(browser, 60).until(lambda d: history_size(d) > before)
    assert browser.find_element(By.TAG_NAME, "body").get_attribute("data-state") == "done"
    assert browser.find_element(By.ID, "text").text == expected
    assert browser.find_element(By.ID, "fact-file").text == "my_clip"
    assert browser.find_element(By.ID, "fact-frames").text == "14 decoded, 7 seen by the model"
    assert_stayed_local(browser, served["url"])


def test_the_page_says_when_a_clip_waits_in_line(served, browser, tmp_path):
    open_page(browser, served)
    # The server's side of the line is tested in test_serve_api.py; here its answer to the
    # page's question is fixed to "queued, 2 ahead" and the page must say so.
    browser.execute_script(
        """
        window.said = [];
        const status = document.getElementById("status");
        new MutationObserver(() => said.push(status.textContent))
          .observe(status, { childList: true, characterData: true, subtree: true });
        const realFetch = window.fetch;
        window.fetch = (url, ...rest) => String(url).startsWith("/api/jobs/")
          ? Promise.resolve(new Response('{"state": "queued", "ahead": 2}'))
          : realFetch(url, ...rest);
        """
    )
    clip = write_clip(tmp_path / "clip_c.mp4", clip=2, num_frames=12)
    assert upload(browser, clip) == "done"
    said = browser.execute_script("return window.said")
    assert "Queued: 2 clips ahead of clip_c.mp4." in said, said
    assert said[-1].startswith("Translated clip_c.mp4 in")
    assert_stayed_local(browser, served["url"])


def test_a_webcam_recording_is_translated(served, browser):
    open_page(browser, served)
    record = browser.find_element(By.ID, "record")
    assert record.is_enabled()
    before = history_size(browser)
    record.click()
    WebDriverWait(browser, 20).until(
        lambda d: d.find_element(By.ID, "record").get_attribute("aria-pressed") == "true"
    )
    time.sleep(1.5)
    record.click()
    WebDriverWait(browser, 90).until(lambda d: history_size(d) > before)
    assert browser.find_element(By.TAG_NAME, "body").get_attribute("data-state") == "done", (
        browser.find_element(By.ID, "error").text
    )
    name = browser.find_element(By.ID, "fact-file").text
    assert name.startswith("webcam-") and name.endswith(".webm")
    decoded = int(browser.find_element(By.ID, "fact-frames").text.split()[0])
    assert decoded >= 10  # 1.5 s of the fake camera
    assert_stayed_local(browser, served["url"])


def test_the_real_signing_clip_through_the_page(served, browser):
    data = os.environ.get("SIGN2GPT_TEST_DATA")
    if not data:
        pytest.skip("SIGN2GPT_TEST_DATA is not set (the folder holding real-clip/)")
    clip = Path(data) / "real-clip" / "signing_clip.mp4"
    if not clip.is_file():
        pytest.skip(f"{clip} not found")
    open_page(browser, served)
    assert upload(browser, clip) == "done", browser.find_element(By.ID, "error").text
    assert browser.find_element(By.ID, "fact-frames").text == "58 decoded, 29 seen by the model"
    assert browser.find_element(By.ID, "fact-length").text == "1.94 s"
    WebDriverWait(browser, 10).until(lambda d: image_loaded(d, "sheet"))
    shot(browser, served, "serve-desktop-real-clip.png")
    assert_stayed_local(browser, served["url"])


def test_phone_sized_screen_has_no_sideways_scrolling(served, browser):
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", PHONE)
    try:
        open_page(browser, served)
        # the session's history survives the reload; show its latest good result again
        browser.find_element(By.CSS_SELECTOR, "#history button").click()
        WebDriverWait(browser, 10).until(lambda d: image_loaded(d, "sheet"))
        width = browser.execute_script("return document.documentElement.scrollWidth")
        assert width <= PHONE["width"], width
        for element_id in ("drop", "record", "text", "sheet"):
            box = browser.find_element(By.ID, element_id).rect
            assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], element_id
        shot(browser, served, "serve-phone.png")
        shot(browser, served, "serve-phone-viewport.png", full_page=False)
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    assert_stayed_local(browser, served["url"])


def test_api_docs_render_offline(served, browser):
    browser.get(served["url"] + "docs")
    WebDriverWait(browser, 30).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, ".swagger-ui .opblock")
    )
    text = browser.find_element(By.TAG_NAME, "body").text
    assert "/api/translate" in text and "/api/health" in text
    assert_stayed_local(browser, served["url"])


def test_stopping_the_server_removes_its_temporary_folder(served):
    proc = served["proc"]
    assert list(served["tmp"].glob("sign2gpt-serve-*"))  # results of this session
    proc.send_signal(signal.SIGINT)
    assert proc.wait(30) == 0
    assert list(served["tmp"].glob("sign2gpt-serve-*")) == []  # (torch may leave its own)
