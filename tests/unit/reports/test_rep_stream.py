"""Streaming decode: gunzip, encodings and BOM, line splitting, tab-separated rows."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator

import pytest

from sellerflow.reports import DocumentCorrupt, MissingColumns, ParseLog, encoding_from_content_type
from sellerflow.reports.errors import UnsupportedReport
from sellerflow.reports.stream import Table, TextLines, checked_before_read, decompress, safe_reason

R = "TEST_REPORT"


def lines_of(chunks: list[bytes], encoding: str = "utf-8") -> tuple[list[str], TextLines]:
    text = TextLines(chunks, encoding=encoding, report_type=R)
    return list(text), text


def test_plain_bytes_pass_through_and_empty_chunks_are_dropped() -> None:
    assert list(decompress([b"a", b"", b"b"], None, report_type=R)) == [b"a", b"b"]


def test_gzip_is_inflated_in_bounded_blocks_across_chunk_boundaries() -> None:
    data = b"x\ty\n" * 600_000  # 2.4 MB, inflates to more than one block
    packed = gzip.compress(data)
    blocks = list(
        decompress([packed[i : i + 1000] for i in range(0, len(packed), 1000)], "GZIP", report_type=R)
    )
    assert b"".join(blocks) == data
    assert max(map(len, blocks)) <= 1 << 20


def test_concatenated_gzip_members_are_read_in_turn() -> None:
    assert b"".join(
        decompress([gzip.compress(b"one\n") + gzip.compress(b"two\n")], "gzip", report_type=R)
    ) == (b"one\ntwo\n")


def test_truncated_gzip_raises_after_the_blocks_before_it() -> None:
    data = gzip.compress(bytes(range(256)) * 20_000, compresslevel=1)
    blocks = decompress([data[:-100]], "GZIP", report_type=R)
    assert next(blocks)  # the good part comes first
    with pytest.raises(DocumentCorrupt, match=f"{R}.*truncated"):
        list(blocks)


def test_damaged_gzip_is_document_corrupt_and_unknown_compression_unsupported() -> None:
    with pytest.raises(DocumentCorrupt, match="damaged"):
        list(decompress([b"\x1f\x8b\x08\x00garbage-garbage"], "GZIP", report_type=R))
    with pytest.raises(UnsupportedReport):
        list(decompress([zlib.compress(b"x")], "ZSTD", report_type=R))


def test_bom_is_stripped_and_wins_over_the_default_encoding() -> None:
    lines, text = lines_of([b"\xef\xbb", b"\xbfa\tb\n\xc3\xa4\n"], encoding="cp932")
    assert lines == ["a\tb\n", "ä\n"]
    assert text.encoding == "utf-8"


def test_multibyte_characters_split_across_chunks_decode() -> None:
    data = "青いマグ\n".encode("cp932")
    lines, text = lines_of([data[:3], data[3:]], encoding="cp932")
    assert lines == ["青いマグ\n"]
    assert not text.bad_lines


def test_crlf_split_across_blocks_is_one_line_break() -> None:
    lines, _ = lines_of([b"a\r", b"\nb\r\n", b"c"])
    assert lines == ["a\r\n", "b\r\n", "c"]


def test_unusual_unicode_breaks_do_not_split_lines() -> None:
    lines, _ = lines_of(["a\u2028b\x1cc\nd\n".encode()])
    assert lines == ["a\u2028b\x1cc\n", "d\n"]


def test_invalid_bytes_are_kept_as_surrogates_and_their_lines_recorded() -> None:
    lines, text = lines_of([b"ok\n", "ng \u9752\n".encode("cp932"), b"ok\n"])
    assert len(lines) == 3
    assert text.bad_lines == {2}


def table(text: str | bytes, log: ParseLog | None = None, encoding: str = "utf-8") -> Table:
    data = text.encode() if isinstance(text, str) else text
    return Table(TextLines([data], encoding=encoding, report_type=R), report_type=R, log=log or ParseLog())


def test_header_is_normalised_and_blank_lines_are_skipped() -> None:
    t = table('\n " Sku "\tPrice\n\na\t1\n\n')
    assert t.header == ["sku", "price"]
    assert list(t) == [["a", "1"]]


def test_missing_columns_error_names_report_line_and_columns() -> None:
    with pytest.raises(MissingColumns, match=rf"{R} at line 1: missing required column\(s\): qty"):
        table("sku\tprice\n").columns(["sku", "qty"])


def test_empty_and_whitespace_documents_have_no_header() -> None:
    assert table("").empty
    assert table("\n\n").empty


def test_an_undecodable_header_is_document_corrupt_at_line_1() -> None:
    with pytest.raises(DocumentCorrupt, match="line 1"):
        table("商品\tsku\n".encode("cp932"))


def test_unbalanced_quote_running_past_the_field_limit_is_document_corrupt() -> None:
    body = 'a\t"' + ("x" * 200_000) + "\n"
    with pytest.raises(DocumentCorrupt, match="malformed"):
        list(table("sku\tname\n" + body))


def test_table_iteration_is_lazy() -> None:
    def chunks() -> Iterator[bytes]:
        yield b"sku\tqty\n" + b"a\t1\n" * 10
        raise AssertionError("read too far")

    rows = iter(Table(TextLines(chunks(), encoding="utf-8", report_type=R), report_type=R, log=ParseLog()))
    assert next(rows) == ["a", "1"]


def test_content_type_charset() -> None:
    assert encoding_from_content_type("text/plain;charset=Cp1252") == "cp1252"
    assert encoding_from_content_type('text/tab-separated-values; charset="Shift_JIS"') == "cp932"
    assert encoding_from_content_type("text/plain") is None
    assert encoding_from_content_type("text/plain; charset=nope") is None


def test_safe_reason_never_passes_python_messages_that_quote_the_value() -> None:
    with pytest.raises(ValueError) as raised:
        int("secret")
    assert "secret" not in safe_reason(raised.value)


# --- a gzipped document checked whole before it is read -----------------------------------------------
def _flipped_mid_stream(data: bytes) -> bytes:
    """Eight bytes flipped in the middle: inflates to garbage for a while before zlib notices."""
    middle = len(data) // 2
    return data[:middle] + bytes(b ^ 0xFF for b in data[middle : middle + 8]) + data[middle + 8 :]


def test_a_whole_gzip_is_handed_on_unchanged_after_its_check() -> None:
    text = b"".join(b"order-%06d\tsku-%d\t%d.99\n" % (i, i % 40, i % 97) for i in range(50_000))
    packed = gzip.compress(text)
    chunks = [packed[i : i + 4096] for i in range(0, len(packed), 4096)]
    assert b"".join(checked_before_read(chunks, "GZIP", report_type="X")) == packed
    assert list(checked_before_read([b"plain\n", b"rows\n"], None, report_type="X")) == [
        b"plain\n",
        b"rows\n",
    ]


def test_a_corrupt_gzip_hands_on_nothing_where_streaming_would_have_read_garbage() -> None:
    text = b"".join(b"order-%06d\tsku-%d\t%d.99\n" % (i, i % 40, i % 97) for i in range(50_000))
    damaged = _flipped_mid_stream(gzip.compress(text))
    chunks = [damaged[i : i + 4096] for i in range(0, len(damaged), 4096)]
    # Streamed, the damage first inflates to lines that are not the document's
    streamed: list[bytes] = []
    with pytest.raises(DocumentCorrupt):
        streamed.extend(decompress(iter(chunks), "GZIP", report_type="X"))
    good = set(text.split(b"\n"))
    assert any(line not in good for line in b"".join(streamed).split(b"\n")[:-1])
    # Checked first, not one byte reaches the reader
    handed: list[bytes] = []
    with pytest.raises(DocumentCorrupt):
        handed.extend(checked_before_read(iter(chunks), "GZIP", report_type="X"))
    assert handed == []
    with pytest.raises(DocumentCorrupt, match="truncated"):
        list(checked_before_read([gzip.compress(text)[:1000]], "GZIP", report_type="X"))
