"""A large audit in parallel processes: the records files cut into parts, one process each.

Nearly all the work of an audit is Python per record (reading, facts, matching,
aggregating), which one process does on one core. For record files large enough to be
worth it, the files are cut at record boundaries (`RecordSource.split`) and each part
is evaluated in a process forked from this one after the plan's facts are matched, so
it starts with the compiled rules, the run and fresh consumers already built (nothing
is pickled on the way in). What comes back is small: the consumers' totals and
offenders, and the stream state of the credit codes seen in more than one part.

The exchange, per part (`_part_main`):

    part -> main   ("seen", where in its hash file the hashes of its record ids and of
                    its credit codes are)
    main -> part   ("check", where the id hashes of the earlier pieces of its files are,
                    where the code hashes of every other part are)
    part -> main   ("part", whether an id hash repeats, its stream state of the
                    codes another part also saw)
    main -> part   ("absorb", the other parts' state of the same codes) | ("stop",)
    part -> main   ("done",), its consumers, run state and counters pickled into a
                    temporary file the main process opened for it before the fork

The hashes (8 bytes a record and a business) go through temporary files opened before
the fork, one per part, written by their part and read by the others a slice at a
time: the main process only says where they are.

With the state of shared codes absorbed, each part resolves `duplicate_in_task` and
`repeat_in_year` exactly as one process would. The main process merges the parts in
file order, so offender lists come out in the order a single process gives.

Anything unusual in any part - an input error, a record id that two parts both hold
(or whose hashes collide), a process that dies - stops every part and returns None:
the caller then evaluates the records in this process, which reports exactly what it
always has (the problems, in order, with their limit). Errors therefore cost a second
read, never a different answer.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from array import array
from itertools import chain
from typing import Iterable, Iterator, Sequence

from policy_rules.evaluators.driver import Run

from .freed_memory import return_freed_memory
from .loading.hash_set import _SLICE, common_hashes
from .loading.record_source import RecordSource, RecordSources

MIN_PART_BYTES = 8 * 1024 * 1024  # below this a part's start-up costs more than it saves


def plan_parts(records, parts: int, min_bytes: int | None = None) -> list[list[RecordSource]] | None:
    """The record sources grouped into `parts` runs of about equal size, in file order;
    None when the records are not files that can be cut, or too small to be worth it."""
    if min_bytes is None:
        min_bytes = MIN_PART_BYTES
    if parts < 2 or not hasattr(os, "fork"):
        return None
    if isinstance(records, RecordSource):
        sources = [records]
    elif isinstance(records, RecordSources):
        sources = list(records.sources)
    else:
        return None
    sizes = [_size(s) for s in sources]
    if any(size is None for size in sizes):
        return None
    total = sum(sizes)
    if total < min_bytes or total == 0:
        return None
    pieces: list[tuple[RecordSource, int]] = []
    for s, size in zip(sources, sizes):
        # a file is cut only into as many pieces as its share of the whole calls for
        # (rounded): two files of about equal size for two parts stay whole, each read
        # in one pass, and a piece is never much smaller than a part
        want = (2 * size * parts + total) // (2 * total)
        cut = s.split(want, min_bytes=min_bytes) if want >= 2 else None
        for piece in cut or [s]:
            size = _size(piece)
            if size is None:
                return None
            pieces.append((piece, size))
    if len(pieces) < 2:
        return None
    groups: list[list[RecordSource]] = [[] for _ in range(parts)]
    done = 0
    for piece, size in pieces:  # contiguous runs: a piece goes where its middle falls
        k = min(parts - 1, int((done + size / 2) * parts / total))
        groups[k].append(piece)
        done += size
    groups = [g for g in groups if g]
    return groups if len(groups) >= 2 else None


def _size(source: RecordSource) -> int | None:
    if source.byte_range is not None:
        return source.byte_range[1] - source.byte_range[0]
    try:
        return os.path.getsize(source.path)
    except OSError:
        return None


class PartsFailed(Exception):
    """A part could not finish; the caller evaluates in one process instead."""


def run_in_parts(run: Run, consumers: Sequence, builder, state, groups: list[list[RecordSource]],
                 global_facts: list, engine_name: str) -> tuple[int, int] | None:
    """Stream `groups` through forked copies of `run`; merge their consumers into
    `consumers` and their run state into `run`. Returns (records outside the period,
    records evaluated), or None when a part failed and nothing was merged."""
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    procs, conns, results = [], [], []
    # every part's hash file exists before any part is forked, so each can read the others'
    hash_files = [tempfile.TemporaryFile(prefix="shuangsuiji-hashes-") for _ in groups]
    try:
        for k, group in enumerate(groups):
            mine, theirs = ctx.Pipe()
            result = tempfile.TemporaryFile(prefix="shuangsuiji-part-")
            p = ctx.Process(target=_part_main, args=(theirs, result, hash_files, k, group, run, consumers, builder,
                                                     state, global_facts, engine_name),
                            daemon=False, name="shuangsuiji-part")
            p.start()
            theirs.close()
            procs.append(p)
            conns.append(mine)
            results.append(result)
        try:
            _exchange(conns)
        except PartsFailed:
            return None
        for p in procs:  # a part has nothing left to do once done: its memory goes before any is read
            p.join()
        outside = evaluated = 0
        # A part's consumers are read from its file and merged before the next part's are
        # read: the main process holds what it merged and one part in transit, never the
        # pickled bytes of any (a pipe held a part's whole pickle on both ends at once).
        for k, result in enumerate(results):
            try:
                result.seek(0)
                part_consumers, part_run, counters = pickle.load(result)
            except Exception as exc:  # noqa: BLE001 - unreadable: the caller evaluates in one process
                if k:  # (the parts before it are merged: only an exact second pass is safe)
                    raise RuntimeError(f"the result of part {k + 1} could not be read: {exc}") from exc
                return None
            finally:
                result.close()
            for c, pc in zip(consumers, part_consumers):
                c.merge(pc)
            run.merge(part_run)
            outside += counters[0]
            evaluated += counters[1]
            del part_consumers, part_run
        return outside, evaluated
    finally:
        for c in conns:
            c.close()
        for f in (*results, *hash_files):
            f.close()
        for p in procs:
            p.join(timeout=5)
            if p.is_alive():
                p.kill()
                p.join()


def _receive(conn, kind: str):
    try:
        msg = conn.recv()
    except (EOFError, OSError) as exc:
        raise PartsFailed(f"a part ended early: {exc}") from None
    if not isinstance(msg, tuple) or not msg or msg[0] != kind:
        raise PartsFailed(str(msg[1]) if isinstance(msg, tuple) and len(msg) > 1 else "unexpected reply")
    return msg[1:]


def _exchange(conns) -> None:
    # The overlaps are found in the parts, a slice of hashes at a time (`common_hashes`),
    # from the parts' hash files: the main process only says where to read. (Python sets
    # of a million hashes took 60-180 MB at the very moment the parts were at their
    # largest; relaying the hashes themselves, some 30 MB here and copies in each part.)
    seen = [_receive(c, "seen") for c in conns]
    # a record id held by two pieces of one file is an input error that one process
    # reports exactly (ids are unique per file: two files may share one): each piece
    # is checked against the pieces of its file before it, every pair once
    earlier: dict[str, list[tuple[int, int, int]]] = {}
    checks = []
    for k, (ids, _) in enumerate(seen):
        mine = []
        for path, (offset, count) in ids:
            before = earlier.setdefault(path, [])
            mine.append(list(before))
            before.append((k, offset, count))
        checks.append(mine)
    codes = [(k, *codes_at) for k, (_, codes_at) in enumerate(seen)]
    for k, c in enumerate(conns):
        c.send(("check", checks[k], [where for where in codes if where[0] != k]))
    replies = [_receive(c, "part") for c in conns]
    if any(collision for collision, _ in replies):
        for c in conns:
            c.send(("stop",))
        raise PartsFailed("a record id occurs in two parts of one file")
    parts = [state for _, state in replies]
    del replies
    for k, c in enumerate(conns):
        c.send(("absorb", list(chain.from_iterable(p for j, p in enumerate(parts) if j != k))))
    del parts
    for c in conns:
        _receive(c, "done")


def _part_main(conn, result, hash_files: list, k: int, group: list[RecordSource], run: Run, consumers: Sequence,
               builder, state, global_facts: list, engine_name: str) -> None:  # pragma: no cover - runs in the forked part (covered via evaluate)
    try:
        _forget_parents_engines()
        run.grow_after = None  # the parts already use the cores
        units = chain.from_iterable(source.units(builder) for source in group)
        run.stream(global_facts, units, engine_name)
        mine = hash_files[k]
        id_hashes = [(source.path, _write_hashes(mine, source.id_hashes())) for source in group]
        codes = state.code_hashes() if state is not None else array("q")
        codes_at = _write_hashes(mine, codes)
        mine.flush()
        conn.send(("seen", id_hashes, codes_at))
        del id_hashes
        return_freed_memory()  # what reading the stream state back left: each part is at its largest from here on
        msg = conn.recv()
        if msg[0] != "check":
            return
        _, earlier, other_codes = msg
        del msg
        collision = _ids_overlap(group, (_read_hashes(hash_files, where) for where in earlier))
        del earlier
        for source in group:
            source.forget_ids()
        shared = []
        if not collision and state is not None and other_codes:
            common: set[int] = set()
            for theirs in _read_hashes(hash_files, other_codes):
                common |= common_hashes(codes, theirs)
            del other_codes
            shared = state.part(common)  # this part's state of the codes another part saw
            del common
        conn.send(("part", collision, shared))
        del shared, codes
        return_freed_memory()
        msg = conn.recv()
        if msg[0] != "absorb":
            return
        if state is not None and msg[1]:
            state.absorb(msg[1])
        del msg
        run.finish_stream()
        if state is not None:
            state.clear()
        # written as it is pickled (framed), never held whole; the main process reads it
        # after every part is done and gone
        pickle.dump((list(consumers), run.part_state(), (builder.outside_period, builder.records)),
                    result, protocol=pickle.HIGHEST_PROTOCOL)
        result.flush()
        conn.send(("done",))
    except BaseException as exc:  # noqa: BLE001 - any failure: the caller evaluates in one process
        try:
            conn.send(("failed", f"{type(exc).__name__}: {exc}"))
        except Exception:
            pass
    finally:
        conn.close()


def _ids_overlap(group: list[RecordSource], earlier: Iterable[Iterable[array]]) -> bool:
    """Whether a record id hash of a piece here also occurs in an earlier piece of its file
    (a hash collision only sends the audit to one process, which decides exactly)."""
    return any(source.holds_any_id_hash(hashes) for source, pieces in zip(group, earlier) for hashes in pieces)


def _write_hashes(file, hashes: array) -> tuple[int, int]:
    """Append `hashes` to this part's hash file: (offset, count)."""
    offset = file.tell()
    hashes.tofile(file)
    return offset, len(hashes)


_HASHES_AT_ONCE = _SLICE  # hashes read from another part's file at a time: one slice of the compare


def _read_hashes(hash_files: list, where: list[tuple[int, int, int]]) -> Iterator[array]:
    """The hashes written at `(part, offset, count)` in each of `where`, a slice at a time."""
    for part, offset, count in where:
        fd = hash_files[part].fileno()
        for start in range(0, count, _HASHES_AT_ONCE):
            n = min(_HASHES_AT_ONCE, count - start)
            data = os.pread(fd, 8 * n, offset + 8 * start)
            if len(data) != 8 * n:
                raise OSError(f"hash file of part {part + 1} ends early")
            hashes = array("q")
            hashes.frombytes(data)
            yield hashes


def _forget_parents_engines() -> None:
    """The idle durable_rules workers this process inherited belong to the parent (their
    pipes are shared): drop this copy's references without talking to them."""
    try:
        from policy_rules.evaluators import durable
    except Exception:
        return
    idle = getattr(durable, "_IDLE", None)
    if isinstance(idle, dict):
        idle.clear()
