"""Discover stage: list input files, read their bytes, hash them."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

from expectations.validate import validate
from tasks.common.models import RawDocument

SUFFIX_MEDIA_TYPES = {
    ".txt": "text/plain",
    ".html": "text/html",
    ".htm": "text/html",
    ".html.gz": "application/gzip+html",
    ".htm.gz": "application/gzip+html",
}
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
# Share of control bytes (other than tab, LF, FF, CR) above which bytes are binary, not text in
# an odd encoding: a stray NUL or two in a web page does not make it binary.
BINARY_CONTROL_SHARE = 0.05
SNIFF_BYTES = 65536
# Every byte except the control characters that do not occur in text (tab, LF, FF, CR do).
_NOT_CONTROL = bytes(b for b in range(256) if b >= 32 or b in (9, 10, 12, 13))
# Byte-order marks of the UTF-16/32 encodings, longest first (UTF-32-LE starts like UTF-16-LE).
TEXT_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"),
)


def media_type_for(path: Path) -> str | None:
    """Media type from the file name, or None when factwire does not read that kind of file."""
    name = path.name.lower()
    for suffix in sorted(SUFFIX_MEDIA_TYPES, key=len, reverse=True):
        if name.endswith(suffix):
            return SUFFIX_MEDIA_TYPES[suffix]
    return None


def list_input_files(paths: Iterable[str | Path]) -> list[Path]:
    """Files under the given paths that factwire reads, sorted for a stable order."""
    found: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.update(p for p in path.rglob("*") if p.is_file() and media_type_for(p))
        elif path.is_file():
            # A file named explicitly is read even with an unknown suffix (as plain text).
            found.add(path)
        elif path.exists():
            raise FileNotFoundError(f"input path is not a regular file or folder (a FIFO, socket or device?): {path}")
        else:
            raise FileNotFoundError(f"input path does not exist: {path}")
    return sorted(found)


def outside_its_folder(path: Path, roots: Iterable[str | Path]) -> Path | None:
    """Where a file found in a given folder really is, when a symbolic link takes it outside
    that folder (None when it stays inside, or was named explicitly)."""
    for raw in roots:
        root = Path(raw)
        if not root.is_dir():
            continue
        try:
            path.relative_to(root)
        except ValueError:
            continue
        target = path.resolve()
        return None if target.is_relative_to(root.resolve()) else target
    return None


def streamed_sha256(path: Path, chunk: int = 1 << 20) -> str:
    """sha256 of a file read in chunks (a file too large to hold is never read whole)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def bom_encoding(data: bytes) -> str | None:
    """The UTF-16/32 encoding a byte-order mark announces, or None."""
    return next((name for bom, name in TEXT_BOMS if data.startswith(bom)), None)


def looks_binary(data: bytes) -> bool:
    """True for bytes that are not text: many control bytes, not one stray NUL; UTF-16/32 with a BOM is text."""
    if bom_encoding(data):
        return False
    sample = data[:SNIFF_BYTES]
    controls = len(sample.translate(None, _NOT_CONTROL))  # counted in C, not byte by byte
    return controls > BINARY_CONTROL_SHARE * max(len(sample), 1)


def sha256_hex(data: bytes) -> str:
    """Hex sha256 of bytes."""
    return hashlib.sha256(data).hexdigest()


def read_document(path: Path, max_bytes: int = DEFAULT_MAX_BYTES, roots: Iterable[str | Path] = ()) -> RawDocument:
    """Read one file; unreadable, oversize or out-of-folder files come back with `error` set.

    The size is checked before reading: a file over the limit is never read whole; it is kept as
    a reference (path, size, sha256 of a streamed read), not as bytes. A symbolic link inside a
    given folder is followed only when its target is inside that folder (`roots`).
    """
    uri = path.resolve().as_uri()
    media_type = media_type_for(path) or "text/plain"
    outside = outside_its_folder(path, roots)
    if outside is not None:
        return RawDocument(uri, "", b"", media_type, 0, error=f"symbolic link out of the input folder, not followed: {path} -> {outside}")
    try:
        size = path.stat().st_size
        if size > max_bytes:
            digest = streamed_sha256(path)
            return RawDocument(uri, digest, b"", media_type, size,
                               error=f"file too large: {size:,} bytes > limit {max_bytes:,}; kept as a reference: {path.resolve()}, sha256 {digest}")
        data = path.read_bytes()
    except OSError as exc:
        return RawDocument(uri, "", b"", media_type, 0, error=f"unreadable file: {exc}")
    return RawDocument(uri, sha256_hex(data), data, media_type, len(data))


def iter_documents(paths: list[str | Path], max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[RawDocument]:
    """Read every input file lazily, so memory is bounded by the batch, not the corpus."""
    for path in list_input_files(paths):
        yield read_document(path, max_bytes, paths)


def raw_check_frame(docs: list[RawDocument]) -> pd.DataFrame:
    """What the raw_documents suite checks, for the documents that were read whole."""
    read = [d for d in docs if d.error is None]
    return pd.DataFrame({
        "content_sha256": [d.content_sha256 for d in read],
        "media_type": [d.media_type for d in read],
        "size_bytes": [d.size_bytes for d in read],
        "check_hash_matches_bytes": [sha256_hex(d.raw_bytes) == d.content_sha256 for d in read],
    }, columns=["content_sha256", "media_type", "size_bytes", "check_hash_matches_bytes"])


def check_documents(docs: list[RawDocument], run_id: str, batch_index: int) -> list[dict[str, Any]]:
    """Run the raw_documents suite on a batch as read; a document failing a critical
    expectation gets it as its error (so it is quarantined, not landed). Returns the dq rows."""
    frame = raw_check_frame(docs)
    outcome = validate("raw_documents", frame, run_id, batch_index)
    failing = set(range(len(frame))) if outcome.rejected_all else outcome.rejected_index
    reasons = {frame.at[i, "content_sha256"]: outcome.reasons.get(i, outcome.reasons.get(-1, "")) for i in failing}
    for d in docs:
        if d.error is None and d.content_sha256 in reasons:
            d.error = reasons[d.content_sha256]
    return outcome.rows


@task(name="discover", retries=2, retry_delay_seconds=1, cache_policy=NO_CACHE)
def discover(paths: list[str]) -> list[Path]:
    """List the input files (they are read batch by batch)."""
    return list_input_files(paths)


@task(name="read-batch", retries=2, retry_delay_seconds=1, cache_policy=NO_CACHE)
def read_batch(files: list[Path], max_bytes: int, run_id: str, batch_index: int, roots: list[str] | None = None) -> tuple[list[RawDocument], list[dict[str, Any]]]:
    """Read, hash and check one batch of files (found in the folders `roots`): the documents and
    the suite's results."""
    docs = [read_document(f, max_bytes, roots or ()) for f in files]
    return docs, check_documents(docs, run_id, batch_index)
