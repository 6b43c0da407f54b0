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
import tempfile
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

from sellerflow.facts import RowError
from sellerflow.reports.errors import DocumentCorrupt, MissingColumns, UnsupportedReport

MAX_BLOCK = 1 << 20  # at most this many decompressed bytes are produced per step
_GZIP_WBITS = 16 + zlib.MAX_WBITS
_BOM = codecs.BOM_UTF8
_UTF16_BOMS = ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_ZWNBSP = "\ufeff"  # a byte order mark once decoded; Amazon leaves them at the start of parts and cells
_SURROGATE = re.compile("[\udc80-\udcff]")  # what surrogateescape turns undecodable bytes into
JP_MARKETPLACE_ID = "A1VC38T7YXB528"
_ODD_BREAKS = ("\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")


@dataclass
class ParseLog:
    """What a parse saw besides its output: data rows read, the rejected rows (capped), and how many
    of those were rejected because their bytes are not valid in the document's encoding."""

    cap: int = 1000
    rows: int = 0
    rejected_count: int = 0
    undecodable: int = 0
    encoding: str | None = None  # the codec the document was read with (after any BOM)
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


# Amazon's documents are written by Java: their Content-Type names Java charsets. Each maps to the
# Python codec that reads what Amazon actually writes (keys lower-cased).
JAVA_CHARSETS: dict[str, str] = {
    **dict.fromkeys(("utf-8", "utf8", "x-utf-8-bom"), "utf-8"),
    # Amazon Japan writes Microsoft's Shift_JIS (NEC/IBM extensions such as ① and ～): always cp932.
    **dict.fromkeys(
        (
            "shift_jis",
            "shift-jis",
            "sjis",
            "x-sjis",
            "ms_kanji",
            "csshiftjis",
            "windows-31j",
            "cswindows31j",
            "ms932",
            "cp932",
            "x-ms932_0213",
            "shift_jisx0213",
        ),
        "cp932",
    ),
    **dict.fromkeys(("cp1252", "windows-1252", "cswindows1252"), "cp1252"),
    # Labelled ISO-8859-1, written by Windows tools: read as its superset cp1252 (€ is 0x80 there),
    # as browsers do; a byte cp1252 leaves undefined is then flagged, not turned into a C1 control.
    **dict.fromkeys(
        ("iso-8859-1", "iso8859_1", "iso_8859_1", "8859_1", "latin1", "l1", "iso-latin-1"), "cp1252"
    ),
    **dict.fromkeys(("x-utf-16le-bom", "unicodelittle", "utf-16le", "utf_16le", "x-utf-16le"), "utf-16-le"),
    **dict.fromkeys(("utf-16be", "utf_16be", "unicodebigunmarked", "x-utf-16be"), "utf-16-be"),
    **dict.fromkeys(("utf-16", "utf_16", "unicode", "unicodebig"), "utf-16"),
    **dict.fromkeys(("euc-jp", "euc_jp", "x-eucjp", "eucjis"), "euc_jp"),
    **dict.fromkeys(("gb18030", "gbk", "gb2312", "cp936", "ms936", "x-mswin-936"), "gb18030"),
    **dict.fromkeys(("cp1250", "windows-1250"), "cp1250"),
    **dict.fromkeys(("iso-8859-15", "iso8859_15", "latin9"), "iso8859-15"),
}


def codec_for_charset(charset: str) -> str | None:
    """The Python codec for a Java charset name (`Cp1252`, `windows-31j`, `x-UTF-16LE-BOM`), or None."""
    name = charset.strip().strip('"').strip().lower()
    known = JAVA_CHARSETS.get(name)
    if known is not None:
        return known
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def charset_of(content_type: str | None) -> str | None:
    """The charset parameter of a Content-Type (`text/plain;charset=Cp1252` → `Cp1252`), as written."""
    for part in (content_type or "").split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.strip().lower() == "charset" and value.strip().strip('"'):
            return value.strip().strip('"')
    return None


def encoding_from_content_type(content_type: str | None) -> str | None:
    """The codec of a download's Content-Type charset, or None when it names none (or one unknown)."""
    charset = charset_of(content_type)
    return codec_for_charset(charset) if charset else None


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


SPOOL_IN_MEMORY = 8 << 20  # a checked document's compressed bytes past this go to a temporary file


def checked_before_read(
    chunks: Iterable[bytes], compression: str | None, *, report_type: str
) -> Iterator[bytes]:
    """A gzipped document's bytes as downloaded, handed on only once the whole stream has inflated
    and passed its CRC checks (spooled meanwhile, in memory up to `SPOOL_IN_MEMORY`, then on disk).

    Corrupt bytes in a deflate stream often inflate to plausible garbage, thousands of lines of it,
    before zlib notices (at the member's CRC at the latest): read as it streams in, a damaged
    transfer would store rows that are not Amazon's (a garbled order id is a phantom order). Checked
    first, it raises DocumentCorrupt before a single row is read. A document that is not gzipped
    carries no check and passes as it streams."""
    if compression is None or compression.upper() != "GZIP":
        yield from chunks
        return
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as spool:

        def kept() -> Iterator[bytes]:
            for chunk in chunks:
                spool.write(chunk)
                yield chunk

        for _ in _gunzip(kept(), report_type):  # inflated to check it, the output is dropped
            pass
        spool.seek(0)
        while block := spool.read(MAX_BLOCK):
            yield block


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

    The encoding is `encoding`, unless the document starts with a UTF-8 or UTF-16 byte order mark
    (then that, BOM stripped). A byte order mark anywhere else (a part joined after another, a cell)
    is dropped too. Bytes that are not valid in the encoding do not stop the document: they are kept
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
        head = self._strip_bom(head)
        decoder = codecs.getincrementaldecoder(self.encoding)("strict")
        emitted = 0  # lines yielded so far
        carry = ""  # the last, unfinished line of the previous block

        def decode(data: bytes, final: bool) -> str:
            nonlocal decoder, emitted
            state = decoder.getstate()
            try:
                text = decoder.decode(data, final)
                return text.replace(_ZWNBSP, "") if _ZWNBSP in text else text
            except UnicodeDecodeError:
                lenient = codecs.getincrementaldecoder(self.encoding)("surrogateescape")
                lenient.setstate(state)
                text = lenient.decode(data, final)
                decoder = codecs.getincrementaldecoder(self.encoding)("strict")
                decoder.setstate(lenient.getstate())
                self._mark_bad(carry + text, emitted)
                return text.replace(_ZWNBSP, "")

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

    def _strip_bom(self, head: bytes) -> bytes:
        """The document's first bytes without a leading BOM, which (when present) sets the encoding."""
        for mark, codec in ((_BOM, "utf-8"), *_UTF16_BOMS):
            if head.startswith(mark):
                self.encoding = codec
                return head[len(mark) :]
        return head

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

    A line where no cell starts with a quote character cannot hold csv syntax (a `"` inside an
    unquoted cell, `12" pan`, is a literal): it is split with `str.split` (C, no per-character state
    machine). A line with a cell that starts with a quote goes to a csv.reader (`""` escapes, tabs and
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
            if '"' in line and (line[0] == '"' or '\t"' in line):
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
    return name.replace(_ZWNBSP, "").strip().strip('"').strip().lower()


class Table:
    """A tab-separated document read row by row: header by name, rows as lists of cells.

    Iterating yields each data row (blank lines skipped); while a row is being handled, `line` is the
    physical line it starts on (the header is line 1). Rows shorter than the header are padded with
    empty cells; rows longer than the header lose their extra cells when those are all empty (Amazon
    pads rows with trailing tabs) and are rejected into `log` when one holds data; rows with
    undecodable bytes are rejected too (and counted in `log.undecodable`).
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

    def columns(
        self,
        required: Sequence[str],
        optional: Sequence[str] = (),
        aliases: Mapping[str, Sequence[str]] | None = None,
    ) -> dict[str, int]:
        """Index of each column by its canonical name, found under that name or one of its `aliases`
        (other spellings: `fulfilment-channel`, a Japanese header); the first one present wins.
        MissingColumns (line 1) names every required column absent under all its names."""
        header = self.header or []
        index: dict[str, int] = {}
        for position, name in enumerate(header):
            index.setdefault(name, position)
        found: dict[str, int] = {}
        for name in (*required, *optional):
            for spelling in (name, *(aliases or {}).get(name, ())):
                at = index.get(_normalise(spelling))
                if at is not None:
                    found[name] = at
                    break
        missing = [name for name in required if name not in found]
        if missing:
            raise MissingColumns(self.report_type, missing)
        return found

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
            if any(cell.strip() for cell in row[width:]):
                self.reject(None, f"the row has {len(row)} cells, the header {width}", line=start)
                return False
            del row[width:]
            return True
        row.extend([""] * (width - len(row)))
        return True

    def undecodable(self, row: list[str], start: int, end: int) -> bool:
        """Whether the row spans a line with bytes invalid in the encoding (then it is rejected)."""
        if self._bad_lines.isdisjoint(range(start, end + 1)):
            return False
        header = self.header or []
        column = next((header[i] for i, cell in enumerate(row) if _SURROGATE.search(cell)), None)
        self.log.undecodable += 1
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
