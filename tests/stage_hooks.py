"""`factwire` whose workers obey test directives written in the documents themselves: for tests
that need a slow page or a page that kills its worker. Test code only; nothing in factwire reads
these directives, and no environment variable switches them on.

    python -m tests.stage_hooks ingest DIR --db FILE ...

A document holding `FACTWIRE-TEST-HOOK touch=PATH sleep=SECONDS lock=log exit=CODE` (any of them)
makes the extract stage, in the worker process that extracts it, append its PID to PATH, sleep,
take the write lock of the queue workers send their logs on (`lock=log`), then end the process
with os._exit(CODE): a crash no Python handler sees. This module is added
to the warm server's preload list, so every worker forked from it has the patch.
"""

from __future__ import annotations

import os
import re
import time
from typing import Any

DIRECTIVE = re.compile(rb"FACTWIRE-TEST-HOOK((?: [a-z]+=\S+)+)")


def obey(raw: bytes) -> None:
    """Do what the document's directive says, if it has one."""
    found = DIRECTIVE.search(raw)
    if not found:
        return
    options = dict(part.decode().split("=", 1) for part in found.group(1).split())
    if "touch" in options:
        with open(options["touch"], "a", encoding="utf-8") as fh:
            fh.write(f"{os.getpid()}\n")
    if "sleep" in options:
        time.sleep(float(options["sleep"]))
    if options.get("lock") == "log":
        # die holding the write lock of the queue the workers send their logs on, as a worker
        # killed in the middle of sending a log line does
        from prefect.logging import handlers

        sink = handlers._api_log_sink
        queue = sink.args[0] if sink is not None and getattr(sink, "args", None) else None
        if queue is not None:
            queue._wlock.acquire()
    if "exit" in options:
        os._exit(int(options["exit"]))


def install() -> None:
    """Patch the extract stage to obey directives before extracting (idempotent)."""
    from tasks import extract

    original = extract.extract_document
    if getattr(original, "obeys_test_hooks", False):
        return

    def extract_document(doc: Any, *args: Any, **kwargs: Any) -> Any:
        obey(doc.raw_bytes)
        return original(doc, *args, **kwargs)

    extract_document.obeys_test_hooks = True  # type: ignore[attr-defined]
    extract.extract_document = extract_document


if __name__ != "__main__":
    install()  # imported by the warm server (preload) or a test


def main() -> None:
    """The `factwire` command as installed (flows.cli.run, on sys.argv), with the hooks preloaded:
    its exit path too (the 10 s exit deadline that writes every thread's stack), which calling
    flows.cli.main and raising SystemExit skipped, so a hang at exit in these tests showed no stack."""
    from flows import runtime

    runtime.PRELOAD.append("tests.stage_hooks")
    from flows.cli import run

    run()


if __name__ == "__main__":
    main()
