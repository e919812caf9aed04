"""`evaluate`: a plan, records and submissions checked against a ruleset, as of a date.

    from shuangsuiji_core.evaluation import evaluate
    from shuangsuiji_core.loading import load_plan, iter_records, load_submissions
    from shuangsuiji_core.rulesets import load_ruleset

    report = evaluate(load_ruleset("qinghe-2026"), plan=load_plan("plan.yaml"),
                      records=iter_records("records.jsonl"),          # streamed
                      submissions=load_submissions("submissions.yaml"),
                      as_of=datetime.date(2026, 7, 1))
    print(report.to_json())

See docs/evaluation.md for the semantics, the compiled form and the engine.
"""

from __future__ import annotations

import datetime as _dt
import gc
import os
from functools import lru_cache
from typing import Iterable

from policy_rules.calendar import WorkingCalendar
from policy_rules.compiled import CompiledRuleset
from policy_rules.compiler import compile_ruleset
from policy_rules.evaluators import DurableEvaluator, EngineFailure, EngineOptions, PythonEvaluator, choose_engine
from policy_rules.evaluators.driver import Run
from policy_rules.evaluators.python import _predicate
from policy_rules.findings import Context, findings, plan_consumers
from policy_rules.i18n import Text
from policy_rules.messages import prepare_template
from policy_rules.report import Report
from policy_rules.schema import Ruleset
from policy_rules.vocabulary import Vocabulary
from policy_rules.waivers import WaiverBook, WaiverSpec, check_waivers

from . import facts as _facts
from . import shards as _shards
from .freed_memory import return_freed_memory
from .loading.record_source import RecordSource, RecordSources
from .plan import Plan
from .stream_state import BucketedStreamState
from .records import Record
from .submissions import Submission


@lru_cache(maxsize=1)
def _default_vocabulary() -> Vocabulary:
    from .vocabulary import load_vocabulary
    return load_vocabulary()


_COMPILED: dict[tuple[int, int], tuple[Ruleset, Vocabulary, CompiledRuleset]] = {}


def compile_for_domain(ruleset: Ruleset, vocabulary: Vocabulary | None = None) -> CompiledRuleset:
    """The ruleset compiled against the inspection domain's facts (cached per ruleset object)."""
    vocabulary = vocabulary or _default_vocabulary()
    key = (id(ruleset), id(vocabulary))
    hit = _COMPILED.get(key)
    if hit is not None and hit[0] is ruleset and hit[1] is vocabulary:
        return hit[2]
    compiled = compile_ruleset(ruleset, vocabulary, _facts.field_types(), streamed=_facts.STREAMED,
                               unit_keys=_facts.UNIT_KEYS, deferred=_facts.DEFERRED)
    if len(_COMPILED) > 16:
        _COMPILED.clear()
    _COMPILED[key] = (ruleset, vocabulary, compiled)
    return compiled


def _inspector_filter(compiled: CompiledRuleset):
    """A predicate that an inspector fact must satisfy to matter, or None (emit them all).

    Inspector facts are three per record but rarely match: when every query that reads
    them selects them by their own fields alone (no join or absence check touches
    inspectors, no query takes all of them), a fact that satisfies none of those
    queries' conditions can match nothing, and is not built into the stream."""
    preds = []
    for q in compiled.queries:
        if any(link.fact == "inspector" for link in q.joins + q.absent):
            return None
        if q.fact == "inspector":
            if not q.tests:
                return None
            preds.append(_predicate(q.tests))
    if not preds:
        return None
    if len(preds) == 1:
        return preds[0]
    return lambda fields: any(p(fields) for p in preds)


def _waivers(plan: Plan | None) -> list[WaiverSpec]:
    if plan is None:
        return []
    out = [WaiverSpec(w.rule, w.reason, w.approved_by, w.expires, None, w.location) for w in plan.waivers]
    for t in plan.tasks:
        out += [WaiverSpec(w.rule, w.reason, w.approved_by, w.expires, t.id, w.location or t.location)
                for w in t.waivers]
    return out


def _period_warning(ruleset: Ruleset, year: int) -> list[Text]:
    try:
        from policy_rules.versioning import period_warning  # the rulesets engineer's, when present
    except ImportError:
        period_warning = None
    if period_warning is not None:
        try:
            w = period_warning(ruleset, year)
        except TypeError:
            w = None
        else:
            return [w] if isinstance(w, Text) else list(w or [])
    eff = ruleset.ruleset.effective
    if eff.start.year <= year <= eff.end.year:
        return []
    return [Text(zh=f"计划年度 {year} 不在规则集 {ruleset.ruleset.id} 的有效期（{eff.start} 至 {eff.end}）内，结论仅供参考",
                 en=f"plan year {year} is outside the effective period of ruleset {ruleset.ruleset.id} "
                    f"({eff.start} to {eff.end}); findings are indicative only")]


def _parts(options: EngineOptions) -> int:
    """How many processes share a large audit: `options.parts`, else one per core (at most 4)."""
    if options.parts is not None:
        return options.parts
    if options.workers is not None:  # an explicit engine set-up (tests, fault injection): one process
        return 1
    return min(os.cpu_count() or 1, 4)


def evaluate(ruleset: Ruleset, plan: Plan | None = None, records: Iterable[Record] | None = None,
             submissions: Iterable[Submission] | None = None, as_of: _dt.date | None = None,
             engine: str = "auto", *, vocabulary: Vocabulary | None = None, calendar: WorkingCalendar | None = None,
             options: EngineOptions | None = None, inputs: Iterable[str] = ()) -> Report:
    """Check the inputs against `ruleset` as of `as_of` (default: today, the one clock read).

    `records` may be any iterable, read once, in batches (never held in memory as a
    whole). `engine`: "auto" (durable_rules where it works), "durable" or "python";
    the report names the engine used and notes any fallback.
    """
    if as_of is None:
        as_of = _dt.date.today()
    options = options or EngineOptions()
    calendar = calendar or WorkingCalendar.official()
    compiled = compile_for_domain(ruleset, vocabulary)
    for rule in ruleset.rules:
        prepare_template(rule.message.zh)
        prepare_template(rule.message.en)
    engine_used, engine_notes = choose_engine(engine)
    year = plan.year if plan is not None else as_of.year
    warnings: list[Text] = []
    if plan is not None:
        warnings += _period_warning(ruleset, plan.year)

    waivers = _waivers(plan)
    warnings += check_waivers(waivers, ruleset)
    book = WaiverBook(waivers, as_of)

    global_facts: list[tuple] = []
    present: set[str] = set()
    scopes: set[str] = set()
    if plan is not None:
        global_facts += _facts.plan_facts(plan)
        present |= {"plan", "task", "adjustment"}
        scopes.add("plan")
    subs = list(submissions) if submissions is not None else None
    if subs is not None:
        global_facts += _facts.submission_facts(subs)
        present.add("submission")
        scopes.add("submissions")
    if records is not None:
        present |= {"record", "inspector"}
        scopes.add("records")

    ctx = Context(ruleset=ruleset, as_of=as_of, year=year, waivers=book, calendar=calendar,
                  present=frozenset(present), scopes=frozenset(scopes),
                  submissions=[(s.kind, s.period, s.submitted_on) for s in (subs or [])])
    rule_plan = plan_consumers(ruleset, compiled, ctx)

    uses_deferred = any(sel.deferred for sel, _ in rule_plan.consumers)
    # records large enough to be cut into parts: the stream state goes to disk by bucket
    # (held whole, it was a part's largest structure and grew with the file)
    groups = _shards.plan_parts(records, _parts(options)) if records is not None else None
    state = None
    if uses_deferred:
        state = BucketedStreamState() if groups is not None else _facts.StreamState()
    uses_inspectors = any(q.fact == "inspector" or any(link.fact == "inspector" for link in q.joins + q.absent)
                          for q in compiled.queries)
    builder = _facts.RecordFacts(plan, (_dt.date(year, 1, 1), as_of), uses_inspectors, state,
                                 _inspector_filter(compiled) if uses_inspectors else None)
    if isinstance(records, (RecordSource, RecordSources)):
        units = records.units(builder)  # straight from the files' rows, where that is safe
    else:
        units = builder.units(records) if records is not None else None

    if engine_used == "durable":
        def make(queries, purpose):
            if not queries:
                return PythonEvaluator(queries)
            try:
                workers = options.workers
                if workers is None:
                    workers = 1
                return DurableEvaluator(queries, compiled.fields_used, workers=workers,
                                        timeout=options.timeout, faults=options.faults if purpose == "stream" else {})
            except EngineFailure as exc:
                engine_notes.append(Text(
                    zh=f"规则引擎 durable_rules 无法启动（{exc}），已改用 Python 求值器",
                    en=f"durable_rules could not start ({exc}); the Python evaluator was used"))
                return PythonEvaluator(queries)
        batch_size = min(options.batch_size, 1000)
    else:
        def make(queries, purpose):
            return PythonEvaluator(queries)
        batch_size = options.batch_size

    deferred = state.deferred_fields() if state is not None else None
    grow = None
    if options.workers is None and (os.cpu_count() or 1) > 1:
        grow = options.grow_after
    run = Run(compiled, rule_plan.consumers, make, batch_size=batch_size, deferred=deferred, grow_after=grow)
    # Each record allocates dozens of short-lived containers; with the default thresholds
    # the cyclic collector runs every few records and re-traverses the growing stream
    # state (15-27% of an audit, docs/performance.md). Nothing here makes cycles that
    # need prompt collection, so collect rarely during the stream, and restore after.
    thresholds = gc.get_threshold()
    gc.set_threshold(max(thresholds[0], 100_000), max(thresholds[1], 50), max(thresholds[2], 50))
    try:
        global_matches = run.match_globals(global_facts, engine_used)
        counted = None
        if groups is not None:
            counted = _shards.run_in_parts(run, [c for _, c in rule_plan.consumers], builder, state, groups,
                                           global_facts, engine_used)
        if counted is not None:
            outside_period = counted[0]
        else:  # one process: small inputs, or a part failed (this run reports exactly why)
            if units is not None:
                run.stream(global_facts, units, engine_used)
            outside_period = builder.outside_period
        stats = run.finish(global_facts, global_matches)
        # the findings of a large audit are some 160,000 offenders made at once: with the
        # default thresholds each few hundred of them start a collection of the whole heap
        result = findings(ruleset, rule_plan, ctx, release=True)
    finally:
        gc.set_threshold(*thresholds)
    engine_notes += stats.notes
    if outside_period:
        warnings.append(Text(
            zh=f"{outside_period} 条检查记录的检查日期不在 {year}-01-01 至 {as_of} 之间，未参与评估",
            en=f"{outside_period} records dated outside {year}-01-01 to {as_of} were not evaluated"))

    del run, rule_plan
    if records is not None:
        return_freed_memory()
    warnings += book.unused_warnings()
    meta = ruleset.ruleset
    return Report(ruleset_id=meta.id, ruleset_version=meta.version, ruleset_title=meta.title, as_of=as_of,
                  engine=engine_used, engine_notes=engine_notes, warnings=warnings, inputs=list(inputs),
                  findings=result, summary=Report.summarise(result))
