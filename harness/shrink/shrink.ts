// `faultline shrink`: an invalid history → a minimal invalid one, the few operations a bug report needs.
// Neither Jepsen, Knossos nor Porcupine does this; the steps are:
//   1. Check the history through the one pipeline, with the checkers its run recorded; only the checkers that
//      said invalid are kept for shrinking (stats and the rest cannot make it invalid).
//   2. Partition: when the failure is a linearizability one and the model checks key by key, keep only the
//      failing key's operations (P-compositionality: that key alone is already non-linearizable).
//   3. Cut the tail: operations invoked after the offending operation returned, kept only if dropping them
//      makes the history valid (one test).
//   4. Delta-debug (ddmin.ts) over operations, an invoke and its completion always kept or dropped together,
//      re-checking with the same model each step, while the verdict stays invalid.
// Each candidate is checked with a per-step time budget; a step that cannot decide counts as "not invalid", so
// the result is always a history the checker proved invalid.
//
// For register models a candidate must also be well-formed: every value an ok read (or a cas's expected value)
// saw was written by a kept write or cas, or is the initial value. Without this rule the "minimal" history of a
// stale read is the read alone, invalid only because its write was dropped; with it, the result keeps the write
// that was read, the newer write it missed and the read: the bug itself. (Skipped when the input itself reads
// values nobody wrote, since then that is the bug.)
import { canon } from '../checker/models/values.js';
import type { CheckSpec } from '../checker/check-spec.js';
import { partitionKey, runChecks } from '../check/pipeline.js';
import type { Results } from '../checker/results.js';
import { clientEvents, isClientEvent, type History, type HistoryEvent } from '../history/op.js';
import { ddmin } from './ddmin.js';

/** An operation: its invoke and its completion (if any), as positions in the event list. */
type Unit = number[];

export interface ShrinkOptions {
  /** Overall budget, ms (the best invalid history so far is returned when it runs out). */
  budgetMs?: number;
  /** Budget of one re-check, ms. */
  stepMs?: number;
}

export interface ShrinkResult {
  events: HistoryEvent[];
  spec: CheckSpec;
  results: Results;
  /** The failing key, when the history was narrowed to one. */
  key?: unknown;
  before: { events: number; ops: number };
  after: { events: number; ops: number };
  tests: number;
  ms: number;
  stoppedEarly: boolean;
}

export class NotInvalidError extends Error {}

const REGISTER_MODELS = new Set(['cas-register', 'kv-register']);

/**
 * Register histories only: every value an ok read returned (or an ok cas expected) is the initial value or was
 * written by a kept write or cas that had been invoked before the read returned (a read cannot see a write
 * that had not started yet; such a history is invalid for a reason other than the one being shrunk).
 */
export function readsFromKeptWrites(events: readonly HistoryEvent[], init: unknown): boolean {
  interface Op {
    f: string;
    key: unknown;
    value: unknown;
    inv: number;
    end: number;
    type: string;
    out?: unknown;
    added?: boolean;
  }
  const ops: Op[] = [];
  const open = new Map<unknown, Op>();
  events.forEach((e, pos) => {
    if (!isClientEvent(e)) return;
    if (e.type === 'invoke') {
      const op: Op = { f: e.f, key: e.key, value: e.value, inv: pos, end: Infinity, type: 'info' };
      open.set(e.process, op);
      ops.push(op);
      return;
    }
    const op = open.get(e.process);
    open.delete(e.process);
    if (!op) return;
    op.type = e.type;
    op.out = e.value;
    if (e.type !== 'info') op.end = pos;
  });
  // key → value → the earliest position at which a kept write of it was invoked.
  const written = new Map<unknown, Map<unknown, number>>();
  /** The earliest position at which v can be in k's register (-1: from the start), or undefined. */
  const since = (k: unknown, v: unknown): number | undefined =>
    canon(v) === canon(init) ? -1 : written.get(canon(k))?.get(canon(v));
  const seen = (k: unknown, v: unknown, before: number): boolean => {
    const at = since(k, v);
    return at !== undefined && at < before;
  };
  const add = (k: unknown, v: unknown, pos: number): void => {
    const ck = canon(k);
    if (!written.has(ck)) written.set(ck, new Map());
    const m = written.get(ck)!;
    const cv = canon(v);
    if (!m.has(cv) || m.get(cv)! > pos) m.set(cv, pos);
    else return;
  };
  const isCas = (o: Op): boolean => o.f === 'cas' && Array.isArray(o.value) && o.value.length === 2;
  // A write may have taken effect unless it failed; a cas only if the value it expected could be there.
  for (let changed = true; changed; ) {
    changed = false;
    for (const o of ops) {
      if (o.added || o.type === 'fail') continue;
      if (o.f === 'write') {
        add(o.key, o.value, o.inv);
        o.added = changed = true;
      } else if (isCas(o) && seen(o.key, (o.value as unknown[])[0], o.end)) {
        // It can only have written once both it and the value it expected were there.
        add(o.key, (o.value as unknown[])[1], Math.max(o.inv, since(o.key, (o.value as unknown[])[0])!));
        o.added = changed = true;
      }
    }
  }
  for (const o of ops) {
    if (o.type !== 'ok') continue;
    if (o.f === 'read' && !seen(o.key, o.out, o.end)) return false;
    if (isCas(o) && !seen(o.key, (o.value as unknown[])[0], o.end)) return false;
  }
  return true;
}

function units(events: readonly HistoryEvent[]): Unit[] {
  const open = new Map<unknown, Unit>();
  const out: Unit[] = [];
  events.forEach((e, i) => {
    if (e.type === 'invoke') {
      const u = [i];
      open.set(e.process, u);
      out.push(u);
      return;
    }
    const u = open.get(e.process);
    if (u) {
      u.push(i);
      open.delete(e.process);
    } else out.push([i]);
  });
  return out;
}

/** The kept operations' events in history order (the same objects: re-indexed only at the end). */
function build(events: readonly HistoryEvent[], keep: readonly Unit[]): HistoryEvent[] {
  return keep
    .flat()
    .sort((a, b) => a - b)
    .map((i) => events[i]);
}

export function shrinkHistory(history: Pick<History, 'events'>, spec: CheckSpec, o: ShrinkOptions = {}): ShrinkResult {
  const t0 = performance.now();
  const budget = o.budgetMs ?? 60_000;
  const stepMs = o.stepMs ?? 5_000;
  const all = history.events;
  const first = runChecks(all, spec, { full: true });
  if (first.valid !== false)
    throw new NotInvalidError(
      `the history is ${first.valid === true ? 'valid' : 'unknown (undecided)'}; only an invalid history can be shrunk`,
    );
  const failing = first.checkers.filter((c) => c.valid === false).map((c) => c.checker);
  const shrinkSpec: CheckSpec = {
    ...spec,
    checkers: spec.checkers.filter((c) => failing.includes(c)),
    timeoutMs: stepMs,
  };
  let tests = 0;
  const clientAll = clientEvents(all);
  const wellFormed =
    spec.model && REGISTER_MODELS.has(spec.model) && readsFromKeptWrites(clientAll, spec.init)
      ? (evs: HistoryEvent[]) => readsFromKeptWrites(evs, spec.init)
      : () => true;
  // The anchor: the operation Porcupine could not place. Porcupine's call/ret/ref are positions among the client
  // events of the whole history. Events stay the original objects until the end, so the anchor is found by identity.
  const lin = first.checkers.find((c) => c.checker === 'linearizable' && c.valid === false)?.linearizability;
  const bad = lin?.partitions.find((p) => p.verdict === 'illegal');
  const offending = bad?.offending?.length ? bad.ops[bad.offending[0]] : undefined;
  const anchor = offending?.ref !== undefined ? clientAll[offending.ref] : undefined;
  const retEvent = offending && Number.isFinite(offending.ret) ? clientAll[offending.ret] : undefined;
  // Strict: the candidate without the anchor must be valid, i.e. the anchor is what makes it invalid. Dropping
  // operations from a valid stretch of history can make it invalid (remove the write between two others), and
  // this keeps such accidental "bugs" out of the result.
  let strict = false;
  const withoutAnchor = (evs: HistoryEvent[]): HistoryEvent[] =>
    build(
      evs,
      units(evs).filter((u) => evs[u[0]] !== anchor),
    );
  const fails = (evs: HistoryEvent[]): boolean => {
    if (!wellFormed(evs)) return false;
    if (anchor && !evs.includes(anchor)) return false;
    tests++;
    if (runChecks(evs, shrinkSpec).valid !== false) return false;
    if (!strict) return true;
    tests++;
    return runChecks(withoutAnchor(evs), shrinkSpec).valid === true;
  };

  let events = clientAll;
  // 2. The failing key's partition.
  let key: unknown;
  if (bad && lin!.partitions.length > 1) {
    const k = partitionKey(bad);
    const only = events.filter((e) => canon(e.key) === k);
    if (only.length > 0 && fails(only)) {
      events = only;
      key = k;
    }
  }
  // 3. The tail: operations invoked after the offending one returned.
  if (retEvent) {
    const trimmed = build(
      events,
      units(events).filter((u) => events[u[0]].type !== 'invoke' || events[u[0]].index <= retEvent.index),
    );
    if (trimmed.length < events.length && fails(trimmed)) events = trimmed;
  }
  if (anchor) {
    strict = true;
    // Several violations left before the anchor: then only "invalid, with the anchor kept" can be asked for.
    if (!fails(events)) strict = false;
  }
  // 4. ddmin over whole operations; the anchor's operation is always kept.
  const allUnits = units(events);
  const anchorUnit = anchor ? allUnits.find((u) => events[u[0]] === anchor) : undefined;
  const items = allUnits.filter((u) => u !== anchorUnit);
  const withAnchor = (keep: Unit[]): Unit[] => (anchorUnit ? [...keep, anchorUnit] : keep);
  const deadline = t0 + budget;
  const r = ddmin(items, (keep) => fails(build(events, withAnchor(keep))), {
    expired: () => performance.now() > deadline,
  });
  const shrunk = build(events, withAnchor(r.items)).map((e, index) => ({ ...e, index }));
  const results = runChecks(shrunk, { ...shrinkSpec, timeoutMs: spec.timeoutMs }, { full: true });
  const ops = (evs: readonly HistoryEvent[]): number =>
    evs.filter((e) => e.type === 'invoke' && isClientEvent(e)).length;
  return {
    events: shrunk,
    spec: { ...shrinkSpec, timeoutMs: spec.timeoutMs },
    results,
    key,
    before: { events: all.length, ops: ops(all) },
    after: { events: shrunk.length, ops: ops(shrunk) },
    tests,
    ms: performance.now() - t0,
    stoppedEarly: r.stoppedEarly,
  };
}
