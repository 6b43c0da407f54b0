"""Streaming decode of a report document: bytes → (gunzip) → text lines → tab-separated rows.

Every stage is a generator over bounded blocks, so memory does not grow with the document:
at most one compressed chunk, one decompressed block (`MAX_BLOCK` bytes), its decoded text and the
rows of the batch being written are alive at a time.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

from sellerflow.facts import RowError
from sellerflow.reports.errors import DocumentCorrupt, MissingColumns, UnsupportedReport

MAX_BLOCK = 1 << 20  # at most this many decompressed bytes are produced per step
_GZIP_WBITS = 16 + zlib.MAX_WBITS
_BOM = codecs.BOM_UTF8
_SURROGATE = re.compile("[\udc80-\udcff]")  # what surrogateescape turns undecodable bytes into
JP_MARKETPLACE_ID = "A1VC38T7YXB528"
_ODD_BREAKS = ("\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")


@dataclass
class ParseLog:
    """What a parse saw besides its output: data rows read, and the rejected rows (capped)."""

    cap: int = 1000
    rows: int = 0
    rejected_count: int = 0
    rejected: list[RowError] = field(default_factory=list)

    def reject(self, error: RowError) -> None:
        self.rejected_count += 1
        if len(self.rejected) < self.cap:
            self.rejected.append(error)


def safe_reason(exc: Exception, fallback: str | None = None) -> str:
    """A rejection reason without the cell's value: Sellerflow's own messages ("is ...", "has ...")
    pass; Python's (`invalid literal for int(): 'x'`) quote the value, so they are replaced."""
    message = str(exc)
    if message.startswith(("is ", "has ")):
        return message
    return fallback or "is not a valid value"


def default_encoding(marketplace_id: str | None) -> str:
    """Amazon's flat files are UTF-8, except Japan's, which are Shift_JIS (read as its superset cp932)."""
    return "cp932" if marketplace_id == JP_MARKETPLACE_ID else "utf-8"


def encoding_from_content_type(content_type: str | None) -> str | None:
    """The charset of a download's Content-Type (`text/plain;charset=Cp1252`), if it names a known codec."""
    if not content_type:
        return None
    for part in content_type.split(";"):
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            name = value.strip().strip('"')
            try:
                return codecs.lookup(name).name
            except LookupError:
                return None
    return None


def decompress(chunks: Iterable[bytes], compression: str | None, *, report_type: str) -> Iterator[bytes]:
    """The document's bytes, gunzipped when `compression` is GZIP (Amazon's `compressionAlgorithm`).

    A truncated or damaged gzip stream raises DocumentCorrupt after every block before the damage
    was yielded. Concatenated gzip members are read one after another.
    """
    if compression is None or compression.upper() in ("", "NONE"):
        yield from (bytes(chunk) for chunk in chunks if chunk)
        return
    if compression.upper() != "GZIP":
        raise UnsupportedReport(report_type, f"unknown compression algorithm {compression!r}")
    yield from _gunzip(chunks, report_type)


def _gunzip(chunks: Iterable[bytes], report_type: str) -> Iterator[bytes]:
    inflater = zlib.decompressobj(_GZIP_WBITS)
    in_member = False  # some bytes of a gzip member were read and its end was not seen yet
    try:
        for chunk in chunks:
            data = bytes(chunk)
            while data:
                in_member = True
                out = inflater.decompress(data, MAX_BLOCK)
                if out:
                    yield out
                if inflater.eof:
                    data = inflater.unused_data
                    inflater = zlib.decompressobj(_GZIP_WBITS)
                    in_member = False
                    if data.strip(b"\0") == b"":  # zero padding after the last member
                        data = b""
                    continue
                data = inflater.unconsumed_tail
                while not data and len(out) == MAX_BLOCK:  # drain output zlib still holds
                    out = inflater.decompress(b"", MAX_BLOCK)
                    if out:
                        yield out
    except zlib.error as exc:
        raise DocumentCorrupt(report_type, f"the gzip stream is damaged ({exc})") from None
    if in_member:
        raise DocumentCorrupt(report_type, "the gzip stream is truncated (it ends before its end marker)")


class TextLines:
    """Iterates the decoded lines of a byte stream (line endings kept, as `csv` wants them).

    The encoding is `encoding`, unless the document starts with a UTF-8 byte order mark (then UTF-8,
    BOM stripped). Bytes that are not valid in the encoding do not stop the document: they are kept
    as lone surrogates (`surrogateescape`) and their physical line numbers go to `bad_lines`, so the
    row they belong to is rejected with its line and column.
    """

    def __init__(self, blocks: Iterable[bytes], *, encoding: str, report_type: str) -> None:
        self._blocks = blocks
        self.encoding = encoding
        self.report_type = report_type
        self.bad_lines: set[int] = set()

    def __iter__(self) -> Iterator[str]:
        # csv pulls lines straight from C (chain over per-block lists): no Python frame per line.
        return chain.from_iterable(self._line_lists())

    def _line_lists(self) -> Iterator[list[str]]:
        blocks = iter(self._blocks)
        head = b""
        for block in blocks:  # read at least 3 bytes (or the whole document) to look for a BOM
            head += block
            if len(head) >= len(_BOM):
                break
        if head.startswith(_BOM):
            head = head[len(_BOM) :]
            self.encoding = "utf-8"
        decoder = codecs.getincrementaldecoder(self.encoding)("strict")
        emitted = 0  # lines yielded so far
        carry = ""  # the last, unfinished line of the previous block

        def decode(data: bytes, final: bool) -> str:
            nonlocal decoder, emitted
            state = decoder.getstate()
            try:
                return decoder.decode(data, final)
            except UnicodeDecodeError:
                lenient = codecs.getincrementaldecoder(self.encoding)("surrogateescape")
                lenient.setstate(state)
                text = lenient.decode(data, final)
                decoder = codecs.getincrementaldecoder(self.encoding)("strict")
                decoder.setstate(lenient.getstate())
                self._mark_bad(carry + text, emitted)
                return text

        def lines_of(text: str) -> list[str]:
            # str.splitlines also breaks at \x0b, \x1c, \u2028, ...; csv must only see \n, \r, \r\n.
            if any(odd in text for odd in _ODD_BREAKS):
                return io.StringIO(text, newline="").readlines()
            return text.splitlines(True)

        pending: Iterable[bytes] = (head,) if head else ()
        for source in (pending, blocks):
            for block in source:
                text = decode(block, False)
                if not text:
                    continue
                lines = lines_of(carry + text) if carry else lines_of(text)
                carry = lines.pop() if not lines[-1].endswith("\n") else ""
                emitted += len(lines)
                yield lines
        tail = carry + decode(b"", True)
        if tail:
            lines = lines_of(tail)
            emitted += len(lines)
            yield lines

    def _mark_bad(self, text: str, first_line_index: int) -> None:
        for offset, line in enumerate(io.StringIO(text, newline="")):
            if _SURROGATE.search(line):
                self.bad_lines.add(first_line_index + offset + 1)


def decode_lines(
    chunks: Iterable[bytes],
    *,
    report_type: str,
    compression: str | None = None,
    encoding: str | None = None,
    marketplace_id: str | None = None,
) -> TextLines:
    """Decompress then decode a download; the encoding defaults by marketplace (see default_encoding)."""
    return TextLines(
        decompress(chunks, compression, report_type=report_type),
        encoding=encoding or default_encoding(marketplace_id),
        report_type=report_type,
    )


class TabRows:
    """Rows of tab-separated lines, exactly as `csv.reader(lines, delimiter="\t")` reads them, faster.

    A line without a quote character cannot hold csv syntax: it is split with `str.split` (C, no
    per-character state machine). A line with a quote goes to a csv.reader (`""` escapes, tabs and
    line breaks inside quoted cells), which also pulls the following lines of a multi-line cell.
    `line_num` is the number of physical lines read, like csv.reader's. A property test checks the
    rows equal csv.reader's on arbitrary text.
    """

    def __init__(self, lines: Iterable[str]) -> None:
        self._lines = iter(lines)
        self.line_num = 0
        self._rows = self._generate()

    def __iter__(self) -> Iterator[list[str]]:
        return self._rows

    def __next__(self) -> list[str]:
        return next(self._rows)

    def _generate(self) -> Iterator[list[str]]:
        lines = self._lines
        read = 0
        for line in lines:
            if '"' in line:
                reader = csv.reader(
                    chain((line,), lines), delimiter="\t", quotechar='"', doublequote=True, strict=False
                )
                try:
                    row = next(reader)
                finally:
                    read += reader.line_num
                    self.line_num = read
            else:
                read += 1
                self.line_num = read
                text = line.rstrip("\r\n")
                row = text.split("\t") if text else []
            yield row


def _normalise(name: str) -> str:
    return name.strip().strip('"').strip().lower()


class Table:
    """A tab-separated document read row by row: header by name, rows as lists of cells.

    Iterating yields each data row (blank lines skipped); while a row is being handled, `line` is the
    physical line it starts on (the header is line 1). Rows shorter than the header are padded with
    empty cells; longer rows, and rows with undecodable bytes, are rejected into `log`.
    """

    def __init__(self, lines: Iterable[str], *, report_type: str, log: ParseLog) -> None:
        self.report_type = report_type
        self.log = log
        self._bad_lines = lines.bad_lines if isinstance(lines, TextLines) else set()
        self._encoding = lines.encoding if isinstance(lines, TextLines) else "the expected encoding"
        self._reader = TabRows(lines)
        self.line = 1
        self.header: list[str] | None = None
        header = self._next()
        while header is not None and not any(cell.strip() for cell in header):
            header = self._next()  # leading blank lines (or an all-whitespace document)
        if header is not None:
            if any(line <= self._reader.line_num for line in self._bad_lines):
                raise DocumentCorrupt(
                    report_type,
                    f"the header is not valid {self._encoding} (is the document in another encoding?)",
                    line=self._reader.line_num,
                )
            self.header = [_normalise(cell) for cell in header]
        self._header_line = self._reader.line_num

    def _next(self) -> list[str] | None:
        try:
            return next(self._reader, None)
        except csv.Error as exc:
            raise DocumentCorrupt(
                self.report_type, f"the tab-separated text is malformed ({exc})", line=self._reader.line_num
            ) from None

    @property
    def empty(self) -> bool:
        return self.header is None

    def columns(self, required: Sequence[str], optional: Sequence[str] = ()) -> dict[str, int]:
        """Index of each column by name; MissingColumns (line 1) names every required one absent."""
        header = self.header or []
        index: dict[str, int] = {}
        for position, name in enumerate(header):
            index.setdefault(name, position)
        missing = [name for name in required if name not in index]
        if missing:
            raise MissingColumns(self.report_type, missing)
        return {name: index[name] for name in (*required, *optional) if name in index}

    def reject(self, column: str | None, reason: str, *, line: int | None = None) -> None:
        """Record the current row (or the row at `line`) as rejected; never put a cell's value in `reason`."""
        self.log.reject(RowError(self.report_type, self.line if line is None else line, column, reason))

    # --- for hot loops that read `reader` themselves (see orders.parse_all_orders) -----------------
    @property
    def reader(self) -> Any:
        """The underlying row reader (TabRows), positioned after the header (`line_num` = lines read)."""
        return self._reader

    @property
    def header_line(self) -> int:
        return self._header_line

    @property
    def width(self) -> int:
        return len(self.header or [])

    @property
    def bad_lines(self) -> set[int]:
        return self._bad_lines

    def start_line(self, row: list[str]) -> int:
        """The physical line the row just read starts on (its end line less the breaks inside cells)."""
        breaks = sum(cell.count("\n") + cell.count("\r") - cell.count("\r\n") for cell in row)
        return int(self._reader.line_num) - breaks

    def fit(self, row: list[str], start: int) -> bool:
        """A row whose width differs from the header's: pad it (True) or reject it (False)."""
        width = self.width
        if len(row) > width:
            self.reject(None, f"the row has {len(row)} cells, the header {width}", line=start)
            return False
        row.extend([""] * (width - len(row)))
        return True

    def undecodable(self, row: list[str], start: int, end: int) -> bool:
        """Whether the row spans a line with bytes invalid in the encoding (then it is rejected)."""
        if self._bad_lines.isdisjoint(range(start, end + 1)):
            return False
        header = self.header or []
        column = next((header[i] for i, cell in enumerate(row) if _SURROGATE.search(cell)), None)
        self.reject(
            column, f"bytes not valid in {self._encoding} (is the document in another encoding?)", line=start
        )
        return True

    def malformed(self, exc: csv.Error) -> DocumentCorrupt:
        return DocumentCorrupt(
            self.report_type, f"the tab-separated text is malformed ({exc})", line=self._reader.line_num
        )

    def __iter__(self) -> Iterator[list[str]]:
        reader = self._reader
        width = self.width
        bad_lines = self._bad_lines
        last = self._header_line
        rows = 0
        try:
            for row in reader:
                start = last + 1
                last = reader.line_num
                if len(row) != width:
                    if not row or (len(row) == 1 and not row[0].strip()):
                        continue  # a blank line
                    rows += 1
                    self.line = start
                    if not self.fit(row, start):
                        continue
                else:
                    rows += 1
                    self.line = start
                if bad_lines and self.undecodable(row, start, last):
                    continue
                yield row
        except csv.Error as exc:
            raise self.malformed(exc) from None
        finally:
            self.log.rows += rows
