"""The report printed to PDF by headless Chromium (``chromium --headless --print-to-pdf``).

Chromium, not WeasyPrint: the PDF is then made by the same engine that the browser tests run
and that a reader opens the HTML page in, so the printed page is the page (the same CSS, the
same inline SVG, the same CJK font fallback through fontconfig); it is one Debian package
(``chromium``) that the tests need anyway, where WeasyPrint would add a second renderer with its
own CSS and SVG support and its own native libraries (pango). See docs/report.md.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


class PdfError(RuntimeError):
    """The PDF could not be made; the message says why, in one line."""


def find_chromium() -> str | None:
    """``$LEDGER_CHROMIUM``, else the first Chromium on ``PATH``."""
    configured = os.environ.get("LEDGER_CHROMIUM")
    if configured:
        return configured if Path(configured).exists() else shutil.which(configured)
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def chromium_args(user_data_dir: Path) -> list[str]:
    """Headless, offline, no first-run or background work, a fresh profile; no sandbox only
    when running as root (Chromium refuses to start sandboxed as root)."""
    args = [
        "--headless",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        f"--user-data-dir={user_data_dir}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--no-sandbox")
    return args


def print_pdf(html: str, out: Path, *, chromium: str | None = None, timeout: float = 90) -> Path:
    """Write ``html`` as a PDF to ``out`` (A4, no header or footer lines)."""
    browser = chromium or find_chromium()
    if browser is None:
        raise PdfError(
            "no Chromium found for --pdf: install it (Debian: apt-get install chromium "
            "fonts-noto-cjk) or set LEDGER_CHROMIUM"
        )
    out = out.resolve()
    with tempfile.TemporaryDirectory(prefix="ledger-report-") as work:
        page = Path(work) / "report.html"
        page.write_text(html, encoding="utf-8")
        command = [
            browser,
            *chromium_args(Path(work) / "profile"),
            "--no-pdf-header-footer",
            f"--print-to-pdf={out}",
            page.as_uri(),
        ]
        try:
            done = subprocess.run(command, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise PdfError(f"Chromium did not finish printing within {timeout:.0f} s") from None
        except OSError as exc:
            raise PdfError(f"cannot run {browser}: {exc.strerror or exc}") from None
    if done.returncode != 0 or not out.exists() or out.stat().st_size == 0:
        detail = " ".join(done.stderr.decode(errors="replace").split())[-300:]
        raise PdfError(f"Chromium could not print the PDF (exit {done.returncode}): {detail}")
    return out


__all__ = ["PdfError", "chromium_args", "find_chromium", "print_pdf"]
