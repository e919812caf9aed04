"""Records from CSV, one row at a time (never the whole file).

The encoding is detected from the first megabyte: UTF-8 (with or without the BOM Excel
writes for "CSV UTF-8") or else GB18030, the superset of GBK that Excel on Chinese
Windows uses for plain "CSV". Column numbers in problems count cells from 1 (A = 1),
as a spreadsheet shows them."""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
from operator import itemgetter
from typing import Any, Iterator

from policy_rules.errors import InputError, Location
from policy_rules.i18n import Text
from policy_rules.input_files import open_input
from policy_rules.yaml_source import LocatedDocument

from .csv_columns import (COLUMN_KINDS, FALSE_CELLS, LIST_SEPARATORS, REQUIRED_COLUMNS, TRUE_CELLS, VALUE_LABELS,
                          canonical_column)
from .byte_ranges import open_range
from .documents import problem
from .fast_rows import _ACTIONS, _METHODS, _PLATFORMS, _RISKS
from .fast_rows import _date as fast_date
from .fast_rows import _dates as fast_dates
from .fast_rows import _valid_code as fast_code_ok
from .raw import Part, RawItem

SNIFF_BYTES = 1024 * 1024
_SLASH_DATE = re.compile(r"^\s*([0-9]{4})[/.-]([0-9]{1,2})[/.-]([0-9]{1,2})\s*$")
_NONES = itertools.repeat(None)
_SPLIT = re.compile("|".join(re.escape(s) for s in LIST_SEPARATORS))

csv.field_size_limit(16 * 1024 * 1024)


def detect_encoding(head: bytes, name: str) -> str:
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError([problem(
            "file.encoding", "CSV 文件是 UTF-16 编码；请在 Excel 中“另存为”→“CSV UTF-8（逗号分隔）”",
            "the CSV file is UTF-16 encoded; in Excel use 'Save as' -> 'CSV UTF-8 (comma delimited)'",
            Location(name, 1, 1))])
    for encoding in ("utf-8", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(head, final=False)
            return encoding
        except UnicodeDecodeError:
            continue
    raise InputError([problem(
        "file.encoding", "CSV 文件既不是 UTF-8 也不是 GBK/GB18030 编码；请在 Excel 中“另存为”→“CSV UTF-8（逗号分隔）”",
        "the CSV file is neither UTF-8 nor GBK/GB18030; in Excel use 'Save as' -> 'CSV UTF-8 (comma delimited)'",
        Location(name, 1, 1))])


def _first_undecodable(path: str, encoding: str, part: Part | None = None) -> tuple[int, int]:
    """Line and column of the first byte that does not decode; read again only on this error path."""
    decoder = codecs.getincrementaldecoder(encoding.replace("-sig", ""))()
    line, offset_in_line = (part.first_line if part else 1), 0
    with open(path, "rb") as whole, (open_range(whole, part.byte_range) if part else whole) as fh:
        for raw in fh:  # binary lines: b"\n" never occurs inside a UTF-8 or GB18030 character
            try:
                decoder.decode(raw, final=False)
            except UnicodeDecodeError as exc:
                return line, len(raw[: exc.start].decode(encoding.replace("-sig", ""), "replace")) + 1
            line += 1
    return line, offset_in_line + 1


# a cell that is not here is left as text: the model refuses it with "expected true or false"
_BOOLS: dict[str, bool] = {**{c: True for c in TRUE_CELLS}, **{c: False for c in FALSE_CELLS}}


def _items(cell: str) -> list[str]:
    """`P1;P2` (also `；` and `、`) -> ["P1", "P2"], each stripped."""
    parts = cell.split(";") if "；" not in cell and "、" not in cell else _SPLIT.split(cell)
    words = cell.split()  # one word as long as the cell: no whitespace anywhere, nothing to strip
    if len(words) == 1 and len(words[0]) == len(cell):
        return parts
    return [x.strip() if x and (x[0].isspace() or x[-1].isspace()) else x for x in parts]


def _date(cell: str) -> str:
    m = _SLASH_DATE.match(cell)
    if m:  # Excel shows 2026/5/12; the contract writes 2026-05-12
        return f"{m[1]}-{int(m[2]):02d}-{int(m[3]):02d}"
    return cell


class _Columns:
    def __init__(self, header: list[str], name: str):
        self.name = name
        self.header = header
        self.columns: list[tuple[int, str, str]] = []  # (index, canonical, kind)
        problems = []
        seen: dict[str, int] = {}
        for i, raw in enumerate(header):
            if not raw.strip():
                continue
            canonical = canonical_column(raw)
            if canonical is None:
                hint_zh = "；列名里有全角标点，请改为半角" if any(c in raw for c in "．：") else ""
                hint_en = "; the name contains full-width punctuation: use ASCII" if hint_zh else ""
                problems.append(problem(
                    "csv.unknown_column",
                    f"未知的列“{raw}”（拼写错误？自定义列请以“extra.”开头；可用的列见 docs/records-csv.md）{hint_zh}",
                    f"unknown column '{raw}' (a typo? name custom columns 'extra.<name>'; see docs/records-csv.md)"
                    + hint_en, Location(name, 1, i + 1), (raw,), found=raw))
                continue
            if canonical in seen:
                problems.append(problem(
                    "csv.duplicate_column", f"列“{raw}”与第 {seen[canonical] + 1} 列重复（都表示 {canonical}）",
                    f"the column '{raw}' repeats column {seen[canonical] + 1} (both are {canonical})",
                    Location(name, 1, i + 1), (canonical,), found=raw))
                continue
            seen[canonical] = i
            self.columns.append((i, canonical, COLUMN_KINDS.get(canonical, "str")))
        missing = [c for c in REQUIRED_COLUMNS if c not in seen]
        if missing:
            problems.append(problem(
                "csv.missing_column", f"缺少必需的列：{', '.join(missing)}", f"required columns are missing: "
                f"{', '.join(missing)}", Location(name, 1, 1), expected=Text(zh=", ".join(REQUIRED_COLUMNS),
                                                                              en=", ".join(REQUIRED_COLUMNS))))
        if problems:
            raise InputError(problems)
        self.index = seen
        self._plan()

    def _plan(self) -> None:
        """Per kind, the columns and where their values go; the hot loop reads these lists."""
        self.width = max((i for i, _, _ in self.columns), default=-1) + 1
        self.plain: list[tuple[int, str, str | None, dict | None]] = []  # (index, head, tail, value labels)
        self.bools: list[tuple[int, str, str | None]] = []
        self.dates: list[tuple[int, str, str | None]] = []
        self.ids: int | None = None
        self.flags: list[tuple[int, str]] = []
        for i, canonical, kind in self.columns:
            head, _, tail = canonical.partition(".")
            target = (i, head, tail or None)
            if kind == "bool":
                self.bools.append(target)
            elif kind == "date":
                self.dates.append(target)
            elif kind == "ids":
                self.ids = i
            elif kind == "flags":
                self.flags.append((i, tail))
            else:
                self.plain.append((i, head, tail or None, VALUE_LABELS.get(canonical)))

    def record(self, row: list[str]) -> tuple[dict, list]:
        """The nested record of one row, and the problems of cells that cannot be placed."""
        if len(row) < self.width:
            row = row + [""] * (self.width - len(row))
        rec: dict[str, Any] = {}
        for i, head, tail, labels in self.plain:
            cell = row[i]
            if cell and (cell[0] == " " or cell[-1] == " "):
                cell = cell.strip()
            if not cell:
                continue
            if labels is not None:
                cell = labels.get(cell, cell)
            if tail is None:
                rec[head] = cell
            else:
                sub = rec.get(head)
                if sub is None:
                    rec[head] = {tail: cell}
                else:
                    sub[tail] = cell
        for i, head, tail in self.bools:
            cell = row[i]
            value = _BOOLS.get(cell)
            if value is None:
                cell = cell.strip()
                if not cell:
                    continue
                value = _BOOLS.get(cell, cell)
            if tail is None:
                rec[head] = value
            else:
                rec.setdefault(head, {})[tail] = value
        for i, head, tail in self.dates:
            cell = row[i]
            if not cell:
                continue
            if not (len(cell) == 10 and cell[4] == "-" and cell[7] == "-"):
                cell = _date(cell.strip())
                if not cell:
                    continue
            if tail is None:
                rec[head] = cell
            else:
                rec.setdefault(head, {})[tail] = cell
        problems = []
        if self.ids is not None:
            cell = row[self.ids]
            if cell.strip():
                inspectors = [{"id": x} for x in _items(cell) if x]
                rec["inspectors"] = inspectors
                for i, flag in self.flags:
                    cell = row[i]
                    if not cell.strip():
                        continue
                    values = [_BOOLS.get(x, x) for x in _items(cell)]
                    if len(values) != len(inspectors):
                        problems.append((i, flag, len(values), len(inspectors)))
                        continue
                    for inspector, value in zip(inspectors, values):
                        inspector[flag] = value
            else:
                # the column is there and the cell is empty: nobody was recorded, which the
                # rules judge (too few inspectors); it is not a missing field
                rec["inspectors"] = []
                for i, flag in self.flags:
                    if row[i].strip():
                        problems.append((i, flag, len(_SPLIT.split(row[i])), 0))
        return rec, problems

    def fast_values(self):
        """A function: row -> what `facts.record_values` gives for `self.record(row)`
        when that record is exactly canonical (without building it), else None; the row
        then takes the ordinary path, which alone says what is wrong. `extra.` columns
        are left out: any text is valid there, and no fact reads them."""
        where = {canonical: i for i, canonical, _ in self.columns}
        width = self.width
        at = where.get
        none = width  # a missing column reads the empty cell added after the row
        i_id, i_task, i_ids = where["id"], where["task_id"], where["inspectors"]
        i_cc, i_name, i_ent, i_risk = (at(c, none) for c in ("entity.credit_code", "entity.name",
                                                               "entity.is_enterprise", "entity.risk_class"))
        i_drawn, i_method, i_date, i_problems = (at(c, none) for c in ("drawn_randomly", "method", "inspected_on",
                                                                         "problems_found"))
        i_entered, i_published, i_platform = (at(c, none) for c in ("result_entered_on", "result_published_on",
                                                                    "platform"))
        i_action, i_recorded, i_fu_published = (at(c, none) for c in ("follow_up.action", "follow_up.recorded_on",
                                                                      "follow_up.published_on"))
        flags = [(i, tail) for i, tail in self.flags]
        flag_at = {tail: i for i, tail in flags}
        i_certified, i_idrawn, i_conflict = (flag_at.get(t, none) for t in ("certified", "drawn_randomly",
                                                                             "conflict_of_interest"))
        labels = {c: VALUE_LABELS[c] for c in ("method", "follow_up.action", "platform")}
        methods, actions, platforms = ({k: canonical_value(v) for k, v in table.items()}
                                       for table, canonical_value in (
                                           (labels["method"], _METHODS.get), (labels["follow_up.action"], _ACTIONS.get),
                                           (labels["platform"], _PLATFORMS.get)))
        for table, values in ((methods, _METHODS), (actions, _ACTIONS), (platforms, _PLATFORMS)):
            table.update(values)
            for k in [k for k, v in table.items() if v is None]:
                del table[k]
        bools = _BOOLS
        dates = fast_dates
        date_of = fast_date
        code_ok = fast_code_ok
        pad = [""]

        def text(cell: str) -> str:
            return cell.strip() if cell and (cell[0] == " " or cell[-1] == " ") else cell

        def flag(cell: str):  # True, False, None (empty), or "" (not a boolean)
            value = bools.get(cell)
            if value is None:
                cell = cell.strip()
                if cell:
                    return bools.get(cell, "")
            return value

        def day(cell: str):  # a date, None (empty), or "" (not exactly a date)
            if not cell:
                return None
            if not (len(cell) == 10 and cell[4] == "-" and cell[7] == "-"):
                cell = _date(cell.strip())
                if not cell:
                    return None
            return dates.get(cell) or date_of(cell) or ""

        flag_lists: dict[str, tuple | None] = {}

        def flag_list(cell: str) -> tuple | None:
            """The booleans of a flags cell (None: empty; (): not all booleans), remembered:
            a file holds few distinct cells of flags."""
            if not cell.strip():
                vals = None
            else:
                vals = tuple(bools.get(x) for x in _items(cell))
                if None in vals:
                    vals = ()
            if len(flag_lists) > 10_000:
                flag_lists.clear()
            flag_lists[cell] = vals
            return vals

        plain_cells = itemgetter(i_id, i_task, i_cc, i_name, i_risk, i_method, i_platform, i_action)
        date_cells = itemgetter(i_date, i_entered, i_published, i_recorded, i_fu_published)
        bool_cells = itemgetter(i_ent, i_drawn, i_problems)

        def values(row: list[str]) -> tuple | None:
            row = row[:width] + pad * (width + 1 - len(row)) if len(row) != width else row + pad
            rid, task, cc, name, risk, method, platform, action = [
                c.strip() if c and (c[0] == " " or c[-1] == " ") else c for c in plain_cells(row)]
            if not rid or not task:
                return None
            inspected_on, entered, published, recorded, fu_published = [
                (dates.get(c) or day(c)) if c else None for c in date_cells(row)]
            if not inspected_on:
                return None
            if entered == "" or published == "" or recorded == "" or fu_published == "":
                return None
            is_enterprise, drawn_randomly, problems_found = [
                v if (v := bools.get(c)) is not None or not c else flag(c) for c in bool_cells(row)]
            if is_enterprise == "" or drawn_randomly == "" or problems_found == "":
                return None
            if is_enterprise is None:
                is_enterprise = True
            if cc:
                if not code_ok(cc):
                    return None
            else:
                cc = None
            if risk:
                if risk not in _RISKS:
                    return None
            else:
                risk = None
            name = name or None
            if method:
                method = methods.get(method)
                if method is None:
                    return None
            else:
                method = None
            if platform:
                platform = platforms.get(platform)
                if platform is None:
                    return None
            else:
                platform = None
            if action:
                action = actions.get(action)
                if action is None:
                    return None
            elif recorded is not None or fu_published is not None:
                return None  # a follow-up without its action
            else:
                action = None
            cell = row[i_ids]
            if cell.strip():
                ids = [x for x in _items(cell) if x]
                n = len(ids)
                got = []
                for i in (i_certified, i_idrawn, i_conflict):
                    cell = row[i]
                    vals = flag_lists.get(cell, False)
                    if vals is False:
                        vals = flag_list(cell)
                    if vals is None:
                        got.append(_NONES)
                    elif vals == () or len(vals) != n:
                        return None
                    else:
                        got.append(vals)
                ins = [(iid, c, d, x, None) for iid, c, d, x in zip(ids, *got)]
            elif row[i_certified].strip() or row[i_idrawn].strip() or row[i_conflict].strip():
                return None
            else:
                ins = []
            return (rid, task, cc, name, is_enterprise, risk, drawn_randomly, method, inspected_on, problems_found,
                    entered, published, action, recorded, fu_published, platform, ins)

        return values

    def document(self, rec: dict, line: int) -> LocatedDocument:
        """Positions for one row, built only when the row has a problem."""
        doc = LocatedDocument(data=rec, file=self.name)
        doc.positions[()] = Location(self.name, line, 1)
        n = len(rec.get("inspectors") or []) if isinstance(rec.get("inspectors"), list) else 0
        for i, canonical, kind in self.columns:
            loc = Location(self.name, line, i + 1)
            if kind == "ids":
                doc.positions[("inspectors",)] = loc
                for k in range(n):
                    doc.positions[("inspectors", k)] = loc
                    doc.positions[("inspectors", k, "id")] = loc
            elif kind == "flags":
                flag = canonical.split(".", 1)[1]
                for k in range(n):
                    doc.positions[("inspectors", k, flag)] = loc
            else:
                path = tuple(canonical.split(".", 1))
                doc.positions[path] = loc
                doc.key_positions[path] = loc
                if len(path) == 2 and (path[0],) not in doc.positions:
                    doc.positions[(path[0],)] = loc
        return doc


def _text_stream(fh, name: str) -> tuple[io.TextIOWrapper, str]:
    head = fh.read(SNIFF_BYTES)
    if not head.strip():
        raise InputError([problem("file.empty", "文件为空", "the file is empty", Location(name, 1, 1))])
    encoding = detect_encoding(head, name)
    fh.seek(0)
    return io.TextIOWrapper(fh, encoding=encoding, newline=""), encoding


def read_header(path: str, name: str) -> tuple[str, str, tuple[str, ...], int]:
    """(encoding, delimiter, header cells, lines the header takes) of a CSV file, read as
    the whole-file reader reads them; `InputError` as it would raise it."""
    with open_input(path, name) as fh:
        text, encoding = _text_stream(fh, name)
        first = text.readline()
        delimiter = "\t" if "\t" in first and "," not in first else ","
        reader = csv.reader(itertools.chain([first], text), delimiter=delimiter)
        header = next(reader)
        _Columns(header, name)
        return encoding, delimiter, tuple(header), reader.line_num


def iter_csv_items(path: str, name: str, part: Part | None = None, fast: bool = False) -> Iterator[RawItem]:
    """The rows of a CSV file (or of `part` of it) as raw records; with `fast`, rows that
    are exactly canonical come as the tuple `facts.record_values` gives."""
    with open_input(path, name) as fh:
        last_line = 0
        offset = 0  # lines before the part
        if part is None:
            text, encoding = _text_stream(fh, name)
        else:
            # the part starts after the header, never at a BOM
            encoding, offset = part.encoding, part.first_line - 1
            text = io.TextIOWrapper(open_range(fh, part.byte_range), encoding=encoding.replace("-sig", ""),
                                    newline="")
        try:
            if part is None:
                first = text.readline()
                delimiter = "\t" if "\t" in first and "," not in first else ","
                reader = csv.reader(itertools.chain([first], text), delimiter=delimiter)
                header = next(reader)
                last_line = reader.line_num
            else:
                reader = csv.reader(text, delimiter=part.delimiter)
                header = list(part.header)
            columns = _Columns(header, name)
            fast_values = columns.fast_values() if fast else None
            width = len(header)
            for row in reader:
                line = offset + last_line + 1
                last_line = reader.line_num
                if fast_values is not None and len(row) <= width:
                    values = fast_values(row)
                    if values is not None:
                        # a plain tuple: the RawItem fields, without the cost of the named tuple
                        yield (values, Location(name, line, 1), (lambda row=row, line=line: (
                            columns.document(columns.record(row)[0], line), ())), None)
                        continue
                if not row or not any(cell.strip() for cell in row):
                    continue
                rec, flag_problems = columns.record(row)
                loc = Location(name, line, 1)
                extra_cells = [cell for cell in row[len(header):] if cell.strip()]
                if extra_cells or flag_problems:
                    problems = []
                    if extra_cells:
                        problems.append(problem(
                            "csv.row_length", f"这一行有 {len(row)} 格，比表头的 {len(header)} 列多（值里有未加引号的逗号？）",
                            f"this row has {len(row)} cells, more than the {len(header)} header columns "
                            "(an unquoted comma in a value?)", Location(name, line, len(header) + 1)))
                    for i, flag, got, want in flag_problems:
                        problems.append(problem(
                            "csv.inspector_flags",
                            f"“inspectors.{flag}”有 {got} 个值，而检查人员有 {want} 个；请按人员顺序用“;”分隔，一人一个",
                            f"'inspectors.{flag}' has {got} values for {want} inspectors; give one per inspector, "
                            "in order, separated by ';'", Location(name, line, i + 1), ("inspectors", flag),
                            expected=Text(zh=f"{want} 个值", en=f"{want} values"), found=str(got)))
                    yield RawItem(rec, loc, (lambda rec=rec, line=line: (columns.document(rec, line), ())), problems)
                    continue
                yield RawItem(rec, loc, (lambda rec=rec, line=line: (columns.document(rec, line), ())), None)
        except UnicodeDecodeError:
            line, column = _first_undecodable(path, encoding, part)
            raise InputError([problem(
                "file.encoding", f"第 {line} 行有不是 {encoding} 编码的字节（文件里混用了不同编码？）；请在 Excel 中"
                "“另存为”→“CSV UTF-8（逗号分隔）”后再试",
                f"line {line} holds bytes that are not {encoding} (mixed encodings in one file?); in Excel use "
                "'Save as' -> 'CSV UTF-8 (comma delimited)' and try again", Location(name, line, column),
                expected=Text(zh=encoding, en=encoding))]) from None
        except csv.Error as exc:
            raise InputError([problem("csv.syntax", f"CSV 格式错误：{exc}", f"CSV format error: {exc}",
                                      Location(name, offset + last_line + 1, 1))]) from None
