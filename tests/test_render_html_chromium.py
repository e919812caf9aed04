"""The HTML report opens in headless Chromium with no console message at all (the page
has no script, so any message is a CSP violation, a blocked resource or an error) and
renders to a screenshot.

Runs where /usr/bin/chromium exists (Debian: `apt-get install -y chromium
fonts-noto-cjk`); skipped with the reason printed otherwise. The detector itself is
tested on a page that does log errors, so a silent Chromium cannot pass the test by
accident.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from policy_rules.render import render_report

from report_samples import hostile_report, sample_report

CHROMIUM = next((p for p in ("/usr/bin/chromium", shutil.which("chromium") or "", shutil.which("chromium-browser") or "")
                 if p and Path(p).exists()), None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install -y chromium fonts-noto-cjk)")

CONSOLE = re.compile(r":(INFO|WARNING|ERROR):CONSOLE[:(]")


def _chromium(tmp_path: Path, page: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
         f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr", "--v=0", *args, page.as_uri()],
        capture_output=True, text=True, timeout=120, cwd=tmp_path)


def console_messages(tmp_path: Path, page: Path) -> tuple[list[str], str]:
    result = _chromium(tmp_path, page, "--dump-dom")
    assert result.returncode == 0, result.stderr[-2000:]
    return [line for line in result.stderr.splitlines() if CONSOLE.search(line)], result.stdout


def test_the_detector_sees_console_errors(tmp_path):
    bad = tmp_path / "bad.html"
    bad.write_text("<!DOCTYPE html><html><head><title>x</title></head><body>"
                   "<script>undefinedFunction()</script></body></html>", encoding="utf-8")
    messages, _ = console_messages(tmp_path, bad)
    assert any("undefinedFunction" in m for m in messages)


@pytest.mark.parametrize("make", [sample_report, hostile_report])
def test_report_opens_without_console_messages(tmp_path, make):
    page = tmp_path / "report.html"
    page.write_text(render_report(make(), "html", "zh"), encoding="utf-8")
    messages, dom = console_messages(tmp_path, page)
    assert messages == []
    assert "未通过的规则" in dom
    assert "<script>alert" not in dom  # hostile text stayed text


def test_screenshot_is_written(tmp_path):
    page = tmp_path / "report.html"
    page.write_text(render_report(sample_report(), "html", "zh"), encoding="utf-8")
    shot = tmp_path / "report.png"
    result = _chromium(tmp_path, page, "--hide-scrollbars", "--window-size=1200,1800", f"--screenshot={shot}")
    assert result.returncode == 0, result.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
    fonts = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True).stdout if shutil.which("fc-list") else ""
    if not fonts.strip():
        print("note: no Chinese font installed (apt-get install -y fonts-noto-cjk); glyphs may show as boxes")


def test_monthly_report_page_opens_without_console_messages(tmp_path):
    from shuangsuiji_core.loading import iter_records, load_plan
    from shuangsuiji_core.monthly_report import monthly_report, render_monthly

    example = Path(__file__).resolve().parent.parent / "examples" / "qinghe-2026"
    report = monthly_report(iter_records(example / "records.yaml"), year=2026, month=6,
                            plan=load_plan(example / "plan.yaml"), form="city")
    page = tmp_path / "monthly.html"
    page.write_text(render_monthly(report, "html", "zh"), encoding="utf-8")
    messages, dom = console_messages(tmp_path, page)
    assert messages == []
    assert "市有关部门“双随机、一公开”监管工作月报表" in dom
