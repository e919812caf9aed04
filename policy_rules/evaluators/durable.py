"""The durable_rules backend, hardened (see ../shared/design/DURABLE_RULES.md).

What this module does about each measured hazard:

- **No `engine.Host`** (it leaks timer threads and ~1 MB per ruleset): one ruleset is
  created per process with `durable_rules_engine.create_ruleset` and reused for every
  batch; the state is deleted after each batch (`delete_state`), so memory stays flat.
- **Batches are bounded** (`MAX_BATCH_FACTS`), asserted with `assert_facts`, and the
  actions drained with `start_action_for_state` / `complete_and_start_action`.
- **Silently dropped facts**: a lowest-priority catch-all rule matches every fact;
  every engine id must appear in its firings exactly once, else the batch failed.
- **Few firings**: a rule without joins or absence, and the catch-all, fire once per
  batch with all their facts (`cap`), instead of one Python round trip per fact.
- **Each content asserted once**: when no query joins or checks absence, a query's
  answer for a fact depends on that fact's own fields alone, so facts of the same type
  with the same values (and value types) in the fields the queries read are asserted
  as one engine fact, whose answer is spread to all of them (`distinct_facts`,
  `spread`). The catch-all check then counts the engine facts, so a dropped one is
  still caught. Joins and absence keep one engine fact per fact.
- **Engine ids are ours**: facts get the ids 1, 2, ..., 4000, whose 32-bit FNV-1a
  hashes (the engine's duplicate check) are pairwise distinct; the user's own `id`
  field travels under another key (`u_id`). Every field is prefixed `u_`, so `id`,
  `sid` and `t` stay the engine's.
- **Type discriminator first** on every pattern (`{"t": "record"}`), so no rule can
  match the engine's re-asserted state fact (which would loop forever).
- **Whitelisted operators only**, values typed in Python (dates as day numbers,
  absent fields left out of the fact since the engine counts null as existing).
- **Not thread safe, never releases the GIL, hangs cannot be interrupted**: the engine
  runs in worker processes (one engine each) that are killed when a batch exceeds
  its time bound; in-process use (`workers=0`) is serialised by a lock. With one
  worker wanted, the first batch runs in a child forked for that batch alone
  (`_OneShot`, same time bound, killed on timeout) and the worker starts with the
  second: a plan check is one batch and never starts a worker or imports
  `multiprocessing`.
- **An empty batch segfaults** `assert_facts` (found by the differential tests): it is
  never sent.
- **Any failure** (exception, hang, dead worker, wrong fact count) makes the caller
  re-evaluate that batch with the Python evaluator and note it in the report.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import re
import sys
import threading
import time
from itertools import chain, repeat
from operator import itemgetter
from typing import Callable, Iterable, Sequence

from ..compiled import Query, Test

MAX_BATCH_FACTS = 1000
CATCH_ALL = "catch_all"
SID = "0"
DEFAULT_TIMEOUT_SECONDS = 30.0

_IMPORT_ERROR: str | None = None
try:  # pragma: no cover - depends on the platform
    if sys.version_info >= (3, 13):
        raise ImportError("durable_rules' C extension does not import on Python 3.13+ (PyEval_CallObject removed)")
    import durable_rules_engine as _dre  # type: ignore
except Exception as exc:  # ImportError, or a broken build's undefined symbol
    _dre = None
    _IMPORT_ERROR = f"{type(exc).__name__}: {exc}"


def available() -> tuple[bool, str | None]:
    """(True, None) when durable_rules can be used here, else (False, why not)."""
    return (_dre is not None, _IMPORT_ERROR)


class EngineFailure(Exception):
    """A batch the engine did not evaluate completely and correctly."""


def fnv1a32(text: str) -> int:
    h = 0x811C9DC5
    for b in text.encode("utf-8"):
        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return h


# a batch in a child forked for it (_OneShot) needs fork; elsewhere the worker starts at once
_CAN_FORK = hasattr(os, "fork")

# ids for the positions of a batch. 1..4000 have pairwise distinct FNV-1a hashes (the
# first collision measured is 40189/797186; tests/test_durable.py checks the whole list),
# so no id needs skipping; hashing them at import took 6-12 ms of a cold check-plan.
ENGINE_IDS: list[int] = list(range(1, 4 * MAX_BATCH_FACTS + 1))


# a firing as the engine writes it: {"q3":{"m":{"id": 17, "sid": ...}, ...}}. One action
# names one rule (durable's own Python wrapper relies on it too); the fast path is taken
# only when the message has a single primary frame, anything else is parsed in full.
_FIRING = re.compile(r'^\{"([A-Za-z0-9_]+)":\{"m":\{"id": ?(\d+)[,}]')
# a capped rule's firing: {"q3":[{"m":{"id":17,...}},{"m":{"id":4,...}}]}. A quote inside
# a JSON string is always escaped, so `{"m":` occurs only where a frame starts: when the
# ids found are as many as those, they are all the frames' ids (else the text is parsed)
_CAPPED = re.compile(r'^\{"([A-Za-z0-9_]+)":\[\{"m":')
_FRAME_ID = re.compile(r'\{"m":\{"id": ?(\d+)[,}]')


# the batch payload: compact, UTF-8 text as is (the encoder object is built once)
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


# -- rules --------------------------------------------------------------------------------
def _engine_value(value):
    if isinstance(value, _dt.date):
        return value.toordinal()
    return value


def _test(t: Test) -> dict:
    name = "u_" + t.field
    if t.op == "exists":
        return {"$ex": {name: 1}}
    if t.op == "missing":
        return {"$nex": {name: 1}}
    if t.op == "eq":
        return {name: _engine_value(t.value)}
    if t.op == "in":
        return {"$or": [{name: _engine_value(v)} for v in t.value]}
    return {"$" + t.op: {name: _engine_value(t.value)}}


def _pattern(fact: str, tests: Sequence[Test], joins: Sequence[tuple[str, str]] = ()) -> dict:
    parts = [{"t": fact}]  # the type discriminator comes first, always
    parts += [{"u_" + other: {"m": "u_" + this}} for this, other in joins]
    parts += [_test(t) for t in tests]
    return {"$and": parts} if len(parts) > 1 else parts[0]


def engine_rules(queries: Iterable[Query]) -> dict:
    """The durable_rules ruleset definition for `queries`, plus the catch-all."""
    rules: dict = {}
    for q in queries:
        terms = [{"m": _pattern(q.fact, q.tests)}]
        for i, link in enumerate(q.joins):
            terms.append({f"j{i}": _pattern(link.fact, link.tests, link.on)})
        for i, link in enumerate(q.absent):
            terms.append({f"a{i}$not": _pattern(link.fact, link.tests, link.on)})
        rules[q.id] = {"all": terms, "pri": 1}
        if not (q.joins or q.absent):
            # one firing carries every matching fact of the batch (a list of frames)
            # instead of one Python round trip per fact; joins and absence keep one
            # firing per match, the form measured in DURABLE_RULES.md
            rules[q.id]["cap"] = len(ENGINE_IDS)
    rules[CATCH_ALL] = {"all": [{"m": {"$ex": {"t": 1}}}], "pri": 1000000, "cap": len(ENGINE_IDS)}
    return rules


def engine_facts(facts: Sequence[tuple[str, dict]], fields_used: dict[str, tuple[str, ...]]) -> str:
    """The batch as the engine's JSON: our ids, the type discriminator, only the fields
    the rules read, absent fields left out, dates as day numbers."""
    if len(facts) > len(ENGINE_IDS):
        raise EngineFailure(f"batch of {len(facts)} facts is above the bound {len(ENGINE_IDS)}")
    # (engine name, our name) per fact type, built once per batch rather than a string
    # concatenation per field per fact
    names_of: dict[str, tuple[tuple[str, str], ...]] = {}
    out = []
    date = _dt.date
    for pos, fact in enumerate(facts):
        ftype, fields = fact[0], fact[1]
        names = names_of.get(ftype)
        if names is None:
            names = names_of[ftype] = tuple(("u_" + name, name) for name in fields_used.get(ftype, ()))
        doc = {"id": ENGINE_IDS[pos], "sid": SID, "t": ftype}
        get = fields.get
        for engine_name, name in names:
            v = get(name)
            if v is not None:
                doc[engine_name] = v.toordinal() if isinstance(v, date) else v
        out.append(doc)
    return _ENCODE(out)


def fields_read(queries: Iterable[Query], fields_used: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    """Per fact type, the fields of `fields_used` that `queries` read (tests, join keys)."""
    read: dict[str, set[str]] = {}
    for q in queries:
        read.setdefault(q.fact, set()).update(t.field for t in q.tests)
        for link in q.joins + q.absent:
            read.setdefault(q.fact, set()).update(this for this, _ in link.on)
            read.setdefault(link.fact, set()).update(t.field for t in link.tests)
            read[link.fact].update(other for _, other in link.on)
    return {ftype: tuple(f for f in fields_used.get(ftype, ()) if f in names) for ftype, names in read.items()}


def _picker(names: tuple[str, ...]) -> tuple[tuple[str, ...], Callable[[dict], tuple]]:
    """(names, a function giving the tuple of `fields[name]` for those names, KeyError
    if one is missing): C-level, so a fact costs no Python call per field. One name is
    asked for twice, since itemgetter of one name gives the value itself."""
    if not names:
        return names, lambda fields: ()
    if len(names) == 1:
        names = (names[0], names[0])
    return names, itemgetter(*names)


def _groups(facts: Sequence[tuple[str, dict]], names_of: dict[str, tuple[str, ...]]) -> dict[tuple, list[int]]:
    groups: dict[tuple, list[int]] = {}
    pickers: dict[str, tuple[tuple[str, ...], Callable[[dict], tuple]]] = {}
    last_type, names, pick = None, (), None
    for pos, fact in enumerate(facts):
        ftype = fact[0]
        if ftype is not last_type:  # a batch comes in runs of one type
            picker = pickers.get(ftype)
            if picker is None:
                picker = pickers[ftype] = _picker(names_of.get(ftype, ()))
            last_type, (names, pick) = ftype, picker
        try:
            values = pick(fact[1])
        except KeyError:  # a field left out of the fact: absent, as None is
            values = tuple(map(fact[1].get, names))
        key = (ftype, values, *map(type, values))
        try:
            groups[key].append(pos)
        except KeyError:
            groups[key] = [pos]
    return groups


def distinct_facts(facts: Sequence[tuple[str, dict]], names_of: dict[str, tuple[str, ...]]) -> list[list[int]]:
    """The positions of `facts` grouped by what the engine would see of them: type and
    the values of the fields `names_of` lists for it (none for a type not listed), each
    value with its type (True, 1 and 1.0 are equal in Python, not in the engine).
    Groups in order of first occurrence, positions ascending. Raises TypeError on an
    unhashable value."""
    return list(_groups(facts, names_of).values())


_ONE_HEAD = '[{"id":%d,' % ENGINE_IDS[0]
MAX_CACHED_CONTENTS = 10_000


def distinct_batch(facts: Sequence[tuple[str, dict]], names_of: dict[str, tuple[str, ...]],
                   contents: dict[tuple, str]) -> tuple[list[list[int]], str]:
    """`distinct_facts(facts, names_of)` and the payload asserting one engine fact per
    group: the text `engine_facts` gives for the groups' first facts. `contents` keeps
    each content's JSON (after the id) across batches, where the same few recur."""
    groups = _groups(facts, names_of)
    if len(contents) + len(groups) > MAX_CACHED_CONTENTS:
        contents.clear()
    parts = []
    for engine_id, (key, positions) in zip(ENGINE_IDS, groups.items()):
        tail = contents.get(key)
        if tail is None:
            text = engine_facts([facts[positions[0]]], names_of)
            tail = contents[key] = text[len(_ONE_HEAD):-1]
        parts.append(f'{{"id":{engine_id},{tail}')
    return list(groups.values()), "[" + ",".join(parts) + "]"


def spread(result: dict[str, list[int]], groups: list[list[int]]) -> dict[str, list[int]]:
    """Matches of the groups' first facts (positions in the list of groups) as the
    positions of every fact of those groups, ascending."""
    out: dict[str, list[int]] = {}
    for rule, matched in result.items():
        if not matched:
            out[rule] = []
        elif len(matched) == 1:
            out[rule] = list(groups[matched[0]])
        else:
            out[rule] = sorted(chain.from_iterable([groups[g] for g in matched]))
    return out


# -- one engine ---------------------------------------------------------------------------
class _Engine:
    """One durable_rules ruleset, in this process."""

    def __init__(self, rules: dict, name: str):
        if _dre is None:
            raise EngineFailure(_IMPORT_ERROR or "durable_rules is not available")
        self.handle = _dre.create_ruleset(name, json.dumps(rules, ensure_ascii=False))
        self.rule_names = [r for r in rules if r != CATCH_ALL]

    def run(self, payload: str, n: int, drop_one: bool = False) -> dict[str, list[int]]:
        if drop_one:  # fault injection for the tests: a fact silently lost
            docs = json.loads(payload)
            del docs[len(docs) // 2]
            if not docs:  # asserting the empty list would segfault: the fact is lost all the same
                raise EngineFailure(f"the engine processed 0 of {n} facts")
            payload = json.dumps(docs, ensure_ascii=False)
        if n == 0:  # measured: assert_facts on an empty list segfaults the extension
            return {rule: [] for rule in self.rule_names}
        matches: dict[str, list[int]] = {}
        seen = bytearray(n)
        handle = self.handle
        next_action = _dre.complete_and_start_action
        firing, capped_firing, frame_ids = _FIRING.match, _CAPPED.match, _FRAME_ID.findall
        try:
            code, state = _dre.assert_facts(handle, payload)
            if code not in (0,):
                raise EngineFailure(f"assert_facts returned {code}")
            result = _dre.start_action_for_state(handle, state)
            text = result[1] if result else None
            count = 0
            while text:
                fast = firing(text)
                capped = None if fast is not None else capped_firing(text)
                if fast is not None and text.count('":{"m":{') == 1:
                    # one rule, its primary fact first: no need to parse the rest
                    pairs: Iterable[tuple[str, object]] = ((fast[1], int(fast[2])),)
                elif capped is not None and len(ids := frame_ids(text)) == text.count('{"m":'):
                    pairs = zip(repeat(capped[1]), map(int, ids))
                else:  # anything else is parsed in full; a capped rule's frames are a list
                    pairs = [(rule, frame["m"]["id"]) for rule, frames in json.loads(text).items()
                             for frame in (frames if type(frames) is list else (frames,))]
                for rule, eid in pairs:
                    # ENGINE_IDS is 1..4000: position = id - 1
                    if type(eid) is not int or not 0 < eid <= n:
                        raise EngineFailure(f"unknown engine id {eid}")
                    pos = eid - 1
                    if rule == CATCH_ALL:
                        if seen[pos]:
                            raise EngineFailure(f"fact {pos} counted twice")
                        seen[pos] = 1
                        count += 1
                    else:
                        matches.setdefault(rule, []).append(pos)
                text = next_action(handle, state)
        finally:
            try:
                _dre.delete_state(self.handle, SID)
            except Exception:  # nothing asserted yet, or already gone
                pass
        if count != n:
            raise EngineFailure(f"the engine processed {count} of {n} facts")
        return {rule: sorted(set(matches.get(rule, ()))) for rule in self.rule_names}


# -- worker processes ---------------------------------------------------------------------
def _worker_main(conn, rules: dict, name: str) -> None:  # pragma: no cover - runs in the child
    try:
        engine = _Engine(rules, name)
        conn.send(("ready", None))
    except Exception as exc:
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
        return
    while True:
        try:
            msg = conn.recv()
        except EOFError:
            return
        if msg is None:
            return
        payload, n, fault = msg
        if fault == "kill":
            os._exit(17)
        if fault == "hang":
            time.sleep(3600)
        try:
            conn.send(("ok", engine.run(payload, n, drop_one=(fault == "drop"))))
        except Exception as exc:
            conn.send(("error", f"{type(exc).__name__}: {exc}"))


def _context():
    # imported when the first worker starts: a plan check run in this process, and any
    # import of the library, never pays for it (docs/performance.md)
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    # fork starts a worker in milliseconds; spawn is the portable fallback
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


class _Worker:
    def __init__(self, rules: dict, name: str, start_timeout: float):
        ctx = _context()
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child, rules, name), daemon=True)
        self.proc.start()
        child.close()
        self.busy = False
        if not self.conn.poll(start_timeout):
            self.kill()
            raise EngineFailure("the engine worker did not start in time")
        status, detail = self.conn.recv()
        if status != "ready":
            self.kill()
            raise EngineFailure(detail)

    def send(self, payload: str, n: int, fault: str | None) -> None:
        self.conn.send((payload, n, fault))
        self.busy = True

    def receive(self, timeout: float) -> dict[str, list[int]]:
        self.busy = False
        try:
            if not self.conn.poll(timeout):
                self.kill()
                raise EngineFailure(f"the engine did not answer within {timeout:g} s; its process was stopped")
            status, detail = self.conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            self.kill()
            raise EngineFailure(f"the engine process ended unexpectedly (exit code {self.proc.exitcode})") from None
        if status != "ok":
            raise EngineFailure(detail)
        return detail

    def alive(self) -> bool:
        return self.proc.is_alive()

    def kill(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(5)
        try:
            self.conn.close()
        except OSError:
            pass

    def close(self) -> None:
        try:
            self.conn.send(None)
        except (OSError, BrokenPipeError):
            pass
        self.proc.join(1)
        self.kill()


class _OneShot:
    """One batch in a child forked for it: the payload is already in the child's memory
    (nothing is pickled or sent), the child answers through a pipe and exits. Used for
    the first batch of an evaluator that has no worker process yet: a plan check (one
    batch) then costs a fork (about 3 ms) instead of importing `multiprocessing` and
    starting a worker (about 20 ms, docs/performance.md), and keeps the time bound a
    worker gives: a child that does not answer within `timeout` is killed."""

    def __init__(self, rules: dict, name: str, payload: str, n: int, fault: str | None):
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child
            code = 70
            try:
                os.close(read_end)
                if fault == "kill":
                    os._exit(17)
                if fault == "hang":
                    time.sleep(3600)
                try:
                    answer: tuple = ("ok", _Engine(rules, name).run(payload, n, drop_one=(fault == "drop")))
                except Exception as exc:
                    answer = ("error", f"{type(exc).__name__}: {exc}")
                data = memoryview(json.dumps(answer, ensure_ascii=False).encode("utf-8"))
                while data:
                    data = data[os.write(write_end, data):]
                code = 0
            finally:
                os._exit(code)  # never the parent's atexit handlers or buffered output
        os.close(write_end)
        self.pid, self.fd = pid, read_end

    def receive(self, timeout: float) -> dict[str, list[int]]:
        import select

        deadline = time.monotonic() + timeout
        chunks: list[bytes] = []
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    self.kill()
                    raise EngineFailure(f"the engine did not answer within {timeout:g} s; its process was stopped")
                if not select.select([self.fd], [], [], left)[0]:
                    continue
                chunk = os.read(self.fd, 1 << 16)
                if not chunk:
                    break
                chunks.append(chunk)
        finally:
            self._close_fd()
        code = self._reap()
        if not chunks or code != 0:
            raise EngineFailure(f"the engine process ended unexpectedly (exit code {code})")
        status, detail = json.loads(b"".join(chunks))
        if status != "ok":
            raise EngineFailure(detail)
        return detail

    def _close_fd(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def _reap(self) -> int | None:
        if self.pid is None:
            return None
        _, status = os.waitpid(self.pid, 0)
        self.pid = None
        return os.waitstatus_to_exitcode(status)

    def kill(self) -> None:
        if self.pid is not None:
            try:
                os.kill(self.pid, 9)  # SIGKILL: a hang inside the extension ignores everything else
            except ProcessLookupError:
                pass
            self._reap()
        self._close_fd()


# Idle worker processes kept for the next evaluation of the same rules, so repeated
# evaluations (a pre-commit hook, a server) pay the start-up once.
_IDLE: dict[str, list[_Worker]] = {}
_IDLE_LOCK = threading.Lock()
MAX_IDLE_RULESETS = 8


def _take_idle(key: str) -> _Worker | None:
    with _IDLE_LOCK:
        workers = _IDLE.get(key)
        while workers:
            w = workers.pop()
            if w.alive():
                return w
            w.kill()
    return None


def _give_idle(key: str, worker: _Worker, limit: int) -> None:
    if worker.busy or not worker.alive():
        worker.kill()
        return
    with _IDLE_LOCK:
        workers = _IDLE.setdefault(key, [])
        if len(workers) >= limit:
            worker.close()
            return
        workers.append(worker)
        while len(_IDLE) > MAX_IDLE_RULESETS:
            oldest = next(iter(_IDLE))
            for w in _IDLE.pop(oldest):
                w.close()


def shutdown_workers() -> None:
    """Stop every idle engine process (they are daemons and also end with this process)."""
    with _IDLE_LOCK:
        for workers in _IDLE.values():
            for w in workers:
                w.close()
        _IDLE.clear()


_IN_PROCESS_LOCK = threading.Lock()
_IN_PROCESS_ENGINES: dict[str, _Engine] = {}


class DurableEvaluator:
    """Matches batches on durable_rules. `submit` / `collect` let batches overlap on
    several worker processes; `match` is the one-batch convenience.

    `workers=0` runs the engine in this process (no time bound; serialised by a lock,
    one engine per ruleset per process). `faults` ({batch_number: "kill" | "drop" |
    "hang"}) injects failures for the fault tests.
    """

    name = "durable"

    def __init__(self, queries: Iterable[Query], fields_used: dict[str, tuple[str, ...]], *, workers: int = 1,
                 timeout: float = DEFAULT_TIMEOUT_SECONDS, faults: dict[int, str] | None = None):
        ok, why = available()
        if not ok:
            raise EngineFailure(why or "durable_rules is not available")
        self.queries = list(queries)
        self.rules = engine_rules(self.queries)
        self.rules_json = json.dumps(self.rules, sort_keys=True)
        self.name_ = "r" + format(fnv1a32(self.rules_json), "08x")
        self.fields_used = fields_used
        # Without joins and absence a query's answer for a fact depends on that fact alone,
        # so facts the engine would see alike get one answer: one of them is asserted for
        # all (the catch-all still counts every fact asserted). Only the fields the
        # queries read are sent, so facts differing elsewhere are alike here.
        self.distinct: dict[str, tuple[str, ...]] | None = None
        if not any(q.joins or q.absent for q in self.queries):
            self.distinct = fields_read(self.queries, fields_used)
        self.contents: dict[tuple, str] = {}  # distinct_batch's JSON per content
        self.workers_wanted = workers
        self.timeout = timeout
        self.faults = dict(faults or {})
        self.pool: list[_Worker] = []
        # batch number -> (worker or answer, the groups of alike facts or None)
        self.pending: dict[int, tuple[_Worker, list[list[int]] | None]] = {}
        self.next_worker = 0
        # With one worker wanted and none idle, the worker starts with the second batch:
        # the first runs in a child forked for it (_OneShot), so an evaluation of one
        # batch (a plan check) never starts a worker. Several workers start now, since the
        # batch driver sizes its overlap from the pool.
        self.one_shot_left = workers == 1 and _CAN_FORK
        if workers == 1:
            idle = _take_idle(self.rules_json)
            if idle is not None:
                self.pool.append(idle)
                self.one_shot_left = False
        for _ in range(max(0, workers) - len(self.pool) if not self.one_shot_left else 0):
            self.pool.append(_take_idle(self.rules_json) or _Worker(self.rules, self.name_, timeout))

    def _start_pool(self) -> None:
        self.one_shot_left = False
        while len(self.pool) < max(1, self.workers_wanted):
            self.pool.append(_take_idle(self.rules_json) or _Worker(self.rules, self.name_, self.timeout))

    def add_worker(self) -> None:
        """One more engine process (only when running in processes)."""
        if self.workers_wanted > 0:
            self._start_pool()
            self.pool.append(_take_idle(self.rules_json) or _Worker(self.rules, self.name_, self.timeout))
            self.workers_wanted = max(self.workers_wanted, len(self.pool))

    # in-process ------------------------------------------------------------------
    def _engine(self) -> _Engine:
        engine = _IN_PROCESS_ENGINES.get(self.rules_json)
        if engine is None:
            engine = _Engine(self.rules, self.name_ + f"_{len(_IN_PROCESS_ENGINES)}")
            _IN_PROCESS_ENGINES[self.rules_json] = engine
        return engine

    # batches ---------------------------------------------------------------------
    def submit(self, number: int, facts: Sequence[tuple[str, dict]]) -> None:
        """Start batch `number`; its answer (or EngineFailure) comes from `collect(number)`."""
        if len(facts) > len(ENGINE_IDS):
            raise EngineFailure(f"batch of {len(facts)} facts is above the bound {len(ENGINE_IDS)}")
        groups: list[list[int]] | None = None
        if self.distinct is not None:
            try:
                groups, payload = distinct_batch(facts, self.distinct, self.contents)
            except TypeError:  # an unhashable value: every fact goes to the engine
                groups = None
        if groups is not None:
            n = len(groups)
        else:
            payload = engine_facts(facts, self.fields_used)
            n = len(facts)
        fault = self.faults.get(number)
        if self.one_shot_left:
            self.one_shot_left = False
            try:
                self.pending[number] = (_OneShot(self.rules, self.name_, payload, n, fault), groups)  # type: ignore
            except OSError as exc:
                self.pending[number] = (EngineFailure(f"could not start the engine process: {exc}"), groups)  # type: ignore
            return
        if not self.pool and self.workers_wanted > 0:
            try:
                self._start_pool()
            except EngineFailure as exc:
                self.pending[number] = (exc, groups)  # type: ignore[assignment]
                return
        if not self.pool:
            with _IN_PROCESS_LOCK:
                try:
                    result: object = self._engine().run(payload, n, drop_one=(fault == "drop"))
                except EngineFailure as exc:
                    result = exc
                except Exception as exc:
                    result = EngineFailure(f"{type(exc).__name__}: {exc}")
            self.pending[number] = (result, groups)  # type: ignore[assignment]
            return
        worker = self.pool[self.next_worker % len(self.pool)]
        self.next_worker += 1
        if not worker.alive():
            idx = self.pool.index(worker)
            worker = self.pool[idx] = _Worker(self.rules, self.name_, self.timeout)
        try:
            worker.send(payload, n, fault)
            self.pending[number] = (worker, groups)
        except (OSError, BrokenPipeError) as exc:
            self.pending[number] = (EngineFailure(f"could not reach the engine process: {exc}"), groups)  # type: ignore

    def worker_busy(self) -> list[int]:
        """Batch numbers whose worker is the next to be used (collect them before submitting)."""
        if not self.pool:
            return []
        worker = self.pool[self.next_worker % len(self.pool)]
        return [num for num, (w, _) in self.pending.items() if w is worker]

    def collect(self, number: int) -> dict[str, list[int]]:
        handle, groups = self.pending.pop(number)
        if isinstance(handle, EngineFailure):
            raise handle
        if isinstance(handle, dict):
            result = handle
        elif isinstance(handle, _OneShot):
            result = handle.receive(self.timeout)
        else:
            worker: _Worker = handle
            try:
                result = worker.receive(self.timeout)
            except EngineFailure:
                if not worker.alive():
                    idx = self.pool.index(worker)
                    self.pool[idx] = _Worker(self.rules, self.name_, self.timeout)
                raise
        return result if groups is None else spread(result, groups)

    def match(self, facts: Sequence[tuple[str, dict]]) -> dict[str, list[int]]:
        self.submit(-1, facts)
        return self.collect(-1)

    def close(self) -> None:
        for num in list(self.pending):  # answers nobody will read: the worker is not reusable
            handle, _ = self.pending.pop(num)
            if isinstance(handle, (_Worker, _OneShot)):
                handle.kill()
        for w in self.pool:
            _give_idle(self.rules_json, w, max(1, self.workers_wanted))
        self.pool = []
