"""Headless Chromium on the Prefect UI: a page's rendered DOM, or a screenshot of a run's report.

    python -m scripts.ui_capture --api http://127.0.0.1:4200/api [--flow-run ID] [--out docs/run-report.png]

Without --flow-run it takes the latest factwire-ingest flow run that has a report. Chromium is
Debian's (scripts/install_chromium.sh installs it), started with the flags this machine needs
offline (no background networking, no sync, no component updates).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
from pathlib import Path

import httpx

REPORT_KEY = "factwire-run-report"
INSTALL_SCRIPT = Path(__file__).resolve().parent / "install_chromium.sh"


def chromium() -> str:
    """The chromium binary, installed from Debian's packages when missing."""
    found = shutil.which("chromium")
    if found:
        return found
    subprocess.run(["bash", str(INSTALL_SCRIPT)], check=True, timeout=900)
    found = shutil.which("chromium")
    if not found:
        raise RuntimeError("chromium is still missing after scripts/install_chromium.sh")
    return found


def flags(profile: Path, size: str = "1400,1800", budget_ms: int = 20000) -> list[str]:
    """Headless, offline-friendly flags, a fresh profile, and time for the UI's scripts to render."""
    return ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
            f"--user-data-dir={profile}", f"--window-size={size}", f"--virtual-time-budget={budget_ms}"]


def dump_dom(url: str, profile: Path, timeout: float = 180) -> str:
    """The page's DOM after its scripts ran."""
    return subprocess.run([chromium(), *flags(profile), "--dump-dom", url], capture_output=True, text=True,
                          timeout=timeout).stdout


def text_after_click(url: str, label: str, profile: Path, settle_seconds: float = 4.0, timeout: float = 120) -> str:
    """The page's visible text after clicking the tab or button labelled `label`, through the
    DevTools protocol (a URL cannot pick a tab the UI hides until the run has loaded, such as a
    flow run's Artifacts)."""
    import json
    import re
    import time

    from websockets.sync.client import connect

    proc = subprocess.Popen([chromium(), *flags(profile)[:-1], "--remote-debugging-port=0", "about:blank"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + timeout
        browser_ws = ""
        assert proc.stderr is not None
        while not browser_ws and time.monotonic() < deadline:
            found = re.search(r"DevTools listening on (ws://\S+)", proc.stderr.readline())
            browser_ws = found.group(1) if found else ""
        port = re.search(r":(\d+)/", browser_ws).group(1)  # type: ignore[union-attr]
        pages = httpx.get(f"http://127.0.0.1:{port}/json/list", timeout=10).json()
        page_ws = next(p["webSocketDebuggerUrl"] for p in pages if p["type"] == "page")
        with connect(page_ws, max_size=None, open_timeout=30) as ws:
            ids = iter(range(1, 10_000))

            def call(method: str, **params: object) -> dict:
                message_id = next(ids)
                ws.send(json.dumps({"id": message_id, "method": method, "params": params}))
                while True:
                    reply = json.loads(ws.recv(timeout=timeout))
                    if reply.get("id") == message_id:
                        return dict(reply.get("result", {}))

            def evaluate(expression: str) -> object:
                return call("Runtime.evaluate", expression=expression, returnByValue=True).get("result", {}).get("value")

            call("Page.navigate", url=url)
            click = ("(() => { const el = [...document.querySelectorAll('*')].filter(e => e.children.length === 0)"
                     f".find(e => e.innerText && e.innerText.trim() === {json.dumps(label)}); if (el) {{ el.click(); return true; }} return false; }})()")
            while not evaluate(click):
                if time.monotonic() > deadline:
                    raise TimeoutError(f"no {label!r} to click on {url}")
                time.sleep(0.5)
            time.sleep(settle_seconds)
            return str(evaluate("document.body.innerText"))
    finally:
        proc.kill()
        proc.wait(10)


def screenshot(url: str, out: Path, profile: Path, size: str = "1400,1800", timeout: float = 180) -> Path:
    """A PNG of the rendered page."""
    out.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([chromium(), *flags(profile, size), f"--screenshot={out}", url], capture_output=True, timeout=timeout, check=True)
    return out


def report_artifact(api: str, flow_run_id: str | None = None) -> dict:
    """The run report artifact of a flow run (default: the latest one)."""
    with httpx.Client(base_url=api, timeout=30) as client:
        query: dict = {"artifacts": {"key": {"any_": [REPORT_KEY]}}, "sort": "CREATED_DESC", "limit": 1}
        if flow_run_id:
            query["artifacts"]["flow_run_id"] = {"any_": [flow_run_id]}
        found = client.post("/artifacts/filter", json=query).json()
    if not found:
        raise LookupError(f"no {REPORT_KEY} artifact{' for flow run ' + flow_run_id if flow_run_id else ''} at {api}")
    return dict(found[0])


def ui_base(api: str) -> str:
    """The UI's address from its API's."""
    return api.rstrip("/").removesuffix("/api")


def artifact_page(api: str, artifact_id: str) -> str:
    """The UI page that renders one artifact."""
    return f"{ui_base(api)}/artifacts/artifact/{artifact_id}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.ui_capture", description=__doc__.splitlines()[0])
    parser.add_argument("--api", default="http://127.0.0.1:4200/api")
    parser.add_argument("--flow-run", default=None)
    parser.add_argument("--out", type=Path, default=Path("docs/run-report.png"))
    parser.add_argument("--size", default="1400,2600", help="window width,height in pixels")
    args = parser.parse_args(argv)
    artifact = report_artifact(args.api, args.flow_run)
    with tempfile.TemporaryDirectory() as profile:
        shot = screenshot(artifact_page(args.api, artifact["id"]), args.out, Path(profile), size=args.size)
    print(f"{shot} (flow run {artifact['flow_run_id']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
