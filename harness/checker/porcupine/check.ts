// Entry points of the port: check a history given as operations or as events, split by the model's partition
// function (P-compositionality, Horn & Kroening 2015: a history is linearizable iff each partition is), with an
// overall deadline. Partitions are searched interleaved, a slice at a time, so that the first partition to
// prove the history illegal stops the rest (the verdict is settled), and an easy illegal partition is never stuck
// behind a hard legal one. A timeout gives "unknown" unless some partition already proved "illegal".
// A model may decide partitions itself (Model.decide: unique register values, in O(n log n)); those never reach
// the search. Each searched partition runs as a portfolio of two candidate orders (portfolio.ts).
import { CacheBudget } from './cache.js';
import { PortfolioSearch } from './portfolio.js';
import { PartitionSearch } from './search.js';
import type { CheckOptions, CheckResult, CheckVerdict, Event, Model, Operation, PartitionInfo } from './types.js';

/** Iterations per partition per round: small enough to interleave, large enough to keep the loop hot. */
const SLICE = 1 << 11;
/** Bounds of the search that finds the counterexample of a partition already decided illegal (Model.decide). */
const WITNESS_SEARCH_MAX_OPS = 5000;
const WITNESS_SEARCH_STEPS = 1 << 21;

export function checkOperations<S, I, O>(
  model: Model<S, I, O>,
  history: Operation<I, O>[],
  opts: CheckOptions = {},
): CheckResult {
  const started = performance.now();
  const partitions = model.partition ? model.partition(history) : [history];
  const deadline = opts.timeoutMs && opts.timeoutMs > 0 ? started + opts.timeoutMs : Infinity;
  const computeInfo = opts.computeInfo ?? true;
  const sorted = partitions.map(byCall);
  // Partitions the model decides directly (Model.decide) never reach the search.
  const budget = new CacheBudget(opts.cacheBytes);
  const decided: (PartitionInfo | undefined)[] = sorted.map((ops) => decidePartition(model, ops, computeInfo, budget));
  // A search is set up when its partition's first slice comes: once one partition is illegal, the others' set-up
  // (entry lists, caches) would be wasted, and for a small history it costs more than the search.
  const searches: (PortfolioSearch<S, I, O> | undefined)[] = new Array(sorted.length);
  const ms = new Array<number>(sorted.length).fill(0);
  let illegal = decided.some((d) => d?.verdict === 'illegal');
  let active: number[] = [];
  for (let i = 0; i < sorted.length; i++) if (!decided[i]) active.push(i);
  let timedOut = false;
  while (active.length > 0 && !illegal) {
    for (const i of active) {
      const t0 = performance.now();
      searches[i] ??= new PortfolioSearch(model, sorted[i], computeInfo, budget);
      if (searches[i].run(SLICE) === 'illegal') illegal = true;
      const t1 = performance.now();
      ms[i] += t1 - t0;
      if (illegal) break;
      if (t1 > deadline) {
        timedOut = true;
        break;
      }
    }
    if (timedOut) break;
    active = active.filter((i) => searches[i]?.status !== 'ok');
  }
  const infos: PartitionInfo[] = sorted.map((ops, i) => {
    const d = decided[i];
    if (d) return d;
    const s = searches[i];
    const info: PartitionInfo = {
      verdict: !s || s.status === 'running' ? 'unknown' : s.status,
      ops: ops as Operation[],
      steps: s?.steps ?? 0,
      deepest: s?.deepest ?? 0,
      ms: ms[i],
      method: 'search',
    };
    if (s?.status === 'illegal' && computeInfo) {
      info.longest = s.result.longest.map((order) => ({ order, states: replayStates(model, ops, order) }));
      info.offending = s.result.offending.slice();
    }
    return info;
  });
  const verdict: CheckVerdict = illegal ? 'illegal' : infos.every((p) => p.verdict === 'ok') ? 'ok' : 'unknown';
  for (const s of searches) s?.release();
  const result: CheckResult = { verdict, partitions: infos, ms: performance.now() - started };
  if (budget.evictions > 0) result.cacheEvictions = budget.evictions;
  return result;
}

/** A copy of the partition in call order (then return order), sorted only when it is not already. */
function byCall<I, O>(ops: Operation<I, O>[]): Operation<I, O>[] {
  const copy = ops.slice();
  for (let i = 1; i < copy.length; i++) {
    const a = copy[i - 1];
    const b = copy[i];
    if (a.call > b.call || (a.call === b.call && a.ret > b.ret))
      return copy.sort((x, y) => x.call - y.call || x.ret - y.ret);
  }
  return copy;
}

/**
 * The partition's verdict from the model's decision procedure, or undefined (search it). For an illegal
 * partition of moderate size the counterexample still comes from the search, bounded, so that reports read
 * the same whichever path decided: the search's longest prefixes are what a person expects to see.
 */
function decidePartition<S, I, O>(
  model: Model<S, I, O>,
  ops: Operation<I, O>[],
  computeInfo: boolean,
  budget: CacheBudget,
): PartitionInfo | undefined {
  if (!model.decide) return undefined;
  const t0 = performance.now();
  const d = model.decide(ops, computeInfo);
  if (!d) return undefined;
  const info: PartitionInfo = {
    verdict: d.verdict,
    ops: ops as Operation[],
    steps: ops.length,
    ms: 0,
    method: 'decide',
  };
  if (d.verdict === 'illegal' && computeInfo) {
    let longest = [d.order ?? []];
    let offending = d.offending ?? [];
    if (ops.length <= WITNESS_SEARCH_MAX_OPS) {
      const s = new PartitionSearch(model, ops, true, budget);
      if (s.run(WITNESS_SEARCH_STEPS) === 'illegal') {
        longest = s.longest;
        offending = s.offending;
      }
      s.release();
    }
    info.longest = longest.map((order) => ({ order, states: replayStates(model, ops, order) }));
    info.offending = offending.slice();
  }
  info.ms = performance.now() - t0;
  return info;
}

/**
 * Events in history order → operations whose call and return times are event positions. A call without a
 * return is given return time Infinity: it may take effect at any point after its call, or never.
 */
export function eventsToOperations<I, O>(events: Event<I, O>[]): Operation<I, O>[] {
  const pending = new Map<number, { clientId: number; input: I; call: number; ref?: number }>();
  const ops: Operation<I, O>[] = [];
  events.forEach((e, t) => {
    if (e.kind === 'call') {
      if (pending.has(e.id)) throw new Error(`event ${t}: call id ${e.id} is already pending`);
      pending.set(e.id, { clientId: e.clientId, input: e.value as I, call: t, ref: e.ref });
    } else {
      const c = pending.get(e.id);
      if (!c) throw new Error(`event ${t}: return id ${e.id} has no pending call`);
      pending.delete(e.id);
      ops.push({ clientId: c.clientId, input: c.input, call: c.call, output: e.value as O, ret: t, ref: c.ref });
    }
  });
  for (const c of pending.values()) ops.push({ ...c, output: undefined as O, ret: Infinity });
  return ops;
}

export function checkEvents<S, I, O>(
  model: Model<S, I, O>,
  events: Event<I, O>[],
  opts: CheckOptions = {},
): CheckResult {
  if (model.partitionEvent && !model.partition) {
    // Partition the events, then check the partitions together as one operation history partitioned by origin.
    const parts = model.partitionEvent(events).map((p) => eventsToOperations(p));
    const tagged = parts.flatMap((ops, k) => ops.map((o) => ({ ...o, part: k })));
    const byPart: Model<S, I, O> = {
      ...model,
      partition: (h) => parts.map((_, k) => h.filter((o) => (o as { part?: number }).part === k)),
    };
    return checkOperations(byPart, tagged, opts);
  }
  return checkOperations(model, eventsToOperations(events), opts);
}

/** The model's states after each step of a partial linearization, for the report. */
function replayStates<S, I, O>(model: Model<S, I, O>, ops: readonly Operation<I, O>[], order: number[]): string[] {
  const describe = model.describeState?.bind(model) ?? ((s: S) => JSON.stringify(s) ?? String(s));
  let state = model.init();
  const out: string[] = [];
  for (const i of order) {
    state = model.step(state, ops[i].input, ops[i].output)[1];
    out.push(describe(state));
  }
  return out;
}

/** Convenience: true / false / "unknown" in the shape of our Validity. */
export function isLinearizable<S, I, O>(
  model: Model<S, I, O>,
  history: Operation<I, O>[],
  opts: CheckOptions = {},
): boolean | 'unknown' {
  const v = checkOperations(model, history, { computeInfo: false, ...opts }).verdict;
  return v === 'ok' ? true : v === 'illegal' ? false : 'unknown';
}
