"""Discover: which files are read, how they are hashed, and what is refused."""

from __future__ import annotations

import hashlib

import pytest

from tasks.discover import (
    bom_encoding,
    list_input_files,
    looks_binary,
    media_type_for,
    read_document,
)


def test_lists_supported_files_recursively(tmp_path):
    (tmp_path / "a.txt").write_text("x")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.html").write_text("<p>x</p>")
    (tmp_path / "sub" / "c.html.gz").write_bytes(b"")
    (tmp_path / "sub" / "d.HTM").write_text("x")
    (tmp_path / "notes.md").write_text("ignored")
    names = [p.name for p in list_input_files([tmp_path])]
    assert names == ["a.txt", "b.html", "c.html.gz", "d.HTM"]


def test_media_types():
    from pathlib import Path

    assert media_type_for(Path("x.html.gz")) == "application/gzip+html"
    assert media_type_for(Path("x.htm")) == "text/html"
    assert media_type_for(Path("x.txt")) == "text/plain"
    assert media_type_for(Path("x.pdf")) is None


def test_hash_is_sha256_of_bytes(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(b"hello")
    doc = read_document(path)
    assert doc.content_sha256 == hashlib.sha256(b"hello").hexdigest()
    assert doc.source_uri == path.resolve().as_uri()
    assert doc.size_bytes == 5 and doc.error is None


def test_missing_path_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        list_input_files([tmp_path / "nope"])


def test_the_discover_suite_keeps_a_document_whose_bytes_do_not_match_its_hash_out(tmp_path):
    """The raw_documents suite runs on each batch as read; a failing document is quarantined
    with the expectation as its reason, never landed."""
    from tasks.discover import check_documents

    (tmp_path / "a.txt").write_text("The convoy of 17 buses left the border on Saturday, officials said.")
    (tmp_path / "b.txt").write_text("Some 85 people were killed in the strikes, the observatory said.")
    docs = [read_document(p) for p in sorted(tmp_path.glob("*.txt"))]
    docs[1].raw_bytes += b" tampered"
    rows = check_documents(docs, "run-1", 0)
    assert {r["stage"] for r in rows} == {"discover"}
    assert docs[0].error is None
    assert docs[1].error and "check_hash_matches_bytes" in docs[1].error


def test_binary_is_a_share_of_control_bytes_not_one_nul():
    page = b"<html><body><p>" + b"A sentence of the article. " * 200 + b"\x00</p></body></html>"
    assert not looks_binary(page)
    assert looks_binary(bytes(range(256)) * 10)  # an image or archive: control bytes everywhere
    assert looks_binary(b"\x00\x01\x02\x03 text" * 100)


def test_utf16_and_utf32_with_bom_are_text():
    for encoding in ("utf-16", "utf-16-le", "utf-16-be", "utf-32"):
        data = "Texte en français, 2024.\n".encode(encoding)
        if encoding in ("utf-16-le", "utf-16-be"):
            data = "\ufeff".encode(encoding) + data
        assert bom_encoding(data) is not None and not looks_binary(data), encoding
    assert looks_binary("Texte sans BOM".encode("utf-16-le"))  # no BOM: NUL every other byte


def test_a_file_over_the_limit_is_not_read_and_is_kept_as_a_reference(tmp_path, monkeypatch):
    """The size is checked before reading; the quarantine gets the path, size and a streamed hash."""
    import hashlib

    big = tmp_path / "big.txt"
    big.write_bytes(b"word " * 5000)
    monkeypatch.setattr(type(big), "read_bytes", lambda self: (_ for _ in ()).throw(AssertionError("read whole")))
    doc = read_document(big, max_bytes=1000)
    assert doc.raw_bytes == b"" and doc.size_bytes == 25_000
    assert doc.content_sha256 == hashlib.sha256(b"word " * 5000).hexdigest()
    assert doc.error.startswith("file too large: 25,000 bytes > limit 1,000") and str(big) in doc.error


def test_a_link_out_of_the_input_folder_is_not_followed(tmp_path):
    """Inside a folder given to ingest, a symbolic link is followed only to a target inside it."""
    from tasks.discover import list_input_files

    outside = tmp_path / "secret.txt"
    outside.write_text("root:$6$hash:19000:0:99999:7:::")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "good.txt").write_text("The convoy of 17 buses left the border on Saturday, officials said.")
    (inbox / "inside.txt").symlink_to(inbox / "good.txt")
    (inbox / "leak.txt").symlink_to(outside)
    docs = {p.name: read_document(p, roots=[inbox]) for p in list_input_files([inbox])}
    assert docs["good.txt"].error is None and docs["inside.txt"].error is None
    assert docs["leak.txt"].raw_bytes == b"" and "symbolic link out of the input folder" in docs["leak.txt"].error
    assert read_document(inbox / "leak.txt").error is None  # named explicitly (no folder given): followed


def test_a_fifo_is_named_as_such(tmp_path):
    import os

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(FileNotFoundError, match="not a regular file or folder"):
        list_input_files([fifo])
