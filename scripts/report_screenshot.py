#!/usr/bin/env python3
"""Make docs/report-example.png: the README's example report, as headless Chromium shows it.

Runs the README's command (``ledger report 610926198003150016 --events
examples/report_person.jsonl --html …``) and has Debian's Chromium take a screenshot of the
page's top (header, timeline, events and the first years). Rerun after changing the page.

Usage: scripts/report_screenshot.py [--out docs/report-example.png] [--height 3000]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from projections.report.pdf import chromium_args, find_chromium  # noqa: E402

PERSON = "610926198003150016"
EVENTS = ROOT / "examples" / "report_person.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "report-example.png")
    parser.add_argument("--width", type=int, default=1200)
    parser.add_argument("--height", type=int, default=3000)
    args = parser.parse_args()
    chromium = find_chromium()
    if chromium is None:
        sys.exit("no Chromium found (Debian: apt-get install chromium fonts-noto-cjk)")
    ledger = Path(sys.executable).parent / "ledger"
    with tempfile.TemporaryDirectory() as work:
        page = Path(work) / "report.html"
        subprocess.run(
            [str(ledger), "report", PERSON, "--events", str(EVENTS), "--html", str(page)],
            check=True,
        )
        subprocess.run(
            [
                chromium,
                *chromium_args(Path(work) / "profile"),
                "--hide-scrollbars",
                f"--window-size={args.width},{args.height}",
                f"--screenshot={args.out.resolve()}",
                page.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
    print(f"wrote {args.out} ({args.out.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
