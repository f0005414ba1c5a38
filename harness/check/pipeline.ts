// The one check pipeline. `run`, `check`, `report` and `shrink` all compute results here, from a CheckSpec that
// the run records (test.json "checks" and the history header's "checkers"), so that re-checking a run folder
// reproduces its results.json: same checkers, same model, same time budget, same merge.
//
// A Checker takes a history and returns Results (a merged verdict plus one outcome per leaf checker), so
// checkers compose into a checker (Jepsen's `compose`). Verdicts merge as invalid beats unknown beats valid.
import { clientEvents, HistoryError, type HistoryEvent, type HistoryHeader } from '../history/op.js';
import { getLine } from '../history/pair.js';
import { showValue } from '../history/show.js';
import { getWorkload, WORKLOADS } from '../../workloads/index.js';
import type { CheckSpec } from '../checker/check-spec.js';
import { checkFencedCounter } from '../checker/fenced.js';
import { getModel, modelNames } from '../checker/models/registry.js';
import { checkOperations } from '../checker/porcupine/index.js';
import type { CheckResult, Operation, PartitionInfo } from '../checker/porcupine/types.js';
import { mergeValidity, type CheckerOutcome, type Results, type Validity } from '../checker/results.js';
import { opStats } from '../checker/stats.js';
import type { NamedCheck } from '../../workloads/types.js';

export interface Checker {
  readonly name: string;
  check(history: readonly HistoryEvent[]): Results;
}

function one(outcome: CheckerOutcome): Results {
  return { valid: outcome.valid, checkers: [outcome] };
}

/**
 * Runs every checker on the same history; a checker that throws counts as unknown with its reason. With
 * `badInputThrows` (`check` on a user's file), every error propagates: a HistoryError (the history itself is
 * malformed) so the command can name the file and line, and any other (a checker's own failure, such as a stack
 * overflow) so that it is an error with its message, never passed off as an undecided verdict.
 */
export function compose(name: string, checkers: readonly Checker[], o: { badInputThrows?: boolean } = {}): Checker {
  return {
    name,
    check(history) {
      const outcomes: CheckerOutcome[] = [];
      for (const c of checkers) {
        try {
          outcomes.push(...c.check(history).checkers);
        } catch (e) {
          if (o.badInputThrows) throw e;
          outcomes.push({ checker: c.name, valid: 'unknown', ops: 0, ms: 0, error: (e as Error).message });
        }
      }
      return { valid: mergeValidity(outcomes.map((o) => o.valid)), checkers: outcomes };
    },
  };
}

/** Keeps what results.json needs: every non-ok partition in full, ok partitions as counts only. */
function slim(r: CheckResult): CheckResult {
  // `method` (which search decided the partition, on main since the checker's fast path) is kept when present.
  return {
    ...r,
    partitions: r.partitions.map((p) =>
      p.verdict === 'ok' && p.ops.length > 0
        ? ({
            verdict: p.verdict,
            ops: [],
            steps: p.steps,
            ms: p.ms,
            method: (p as { method?: unknown }).method,
            opCount: p.ops.length,
          } as never)
        : p,
    ),
  };
}

/** Results as results.json holds them (valid partitions as counts). */
export function slimResults(r: Results): Results {
  return {
    ...r,
    checkers: r.checkers.map((c) => (c.linearizability ? { ...c, linearizability: slim(c.linearizability) } : c)),
  };
}

/** Linearizability with a model, partitioned by key where the model partitions (Porcupine, via our port). */
export function linearizableChecker(modelName: string, timeoutMs: number, init?: unknown, file?: string): Checker {
  return {
    name: 'linearizable',
    check(history) {
      const t0 = performance.now();
      const { model, toOperations } = getModel(modelName).create({ init });
      const ops = toOperations(clientEvents(history), file);
      const r = checkOperations(model, ops, { timeoutMs: timeoutMs || undefined, computeInfo: true });
      const valid: Validity = r.verdict === 'ok' ? true : r.verdict === 'illegal' ? false : 'unknown';
      const timedOut = r.verdict === 'unknown';
      return one({
        checker: 'linearizable',
        valid,
        model: modelName,
        ops: ops.length,
        ms: performance.now() - t0,
        partitions: r.partitions.length,
        linearizability: r,
        ...(timedOut ? { error: `the checker ran out of time (budget ${timeoutMs / 1000} s)` } : {}),
      });
    },
  };
}

/** Jepsen's stats checker: a run where nothing ever succeeded tells us nothing. */
export const statsChecker: Checker = {
  name: 'stats',
  check(history) {
    const stats = opStats(history);
    return one({
      checker: 'stats',
      valid: stats.total.ok > 0 ? true : 'unknown',
      ops: stats.total.ok + stats.total.fail + stats.total.info,
      ms: 0,
      details: stats,
      ...(stats.total.ok > 0 ? {} : { error: 'no operation succeeded' }),
    });
  },
};

/**
 * The checks a workload can name (Workload.checks), each an algorithm of harness/checker run with the arguments
 * the workload gives. A new kind of check is one more entry here; the workload only names it.
 */
const NAMED_CHECKS: Record<string, (history: readonly HistoryEvent[], args: NamedCheck['args']) => CheckerOutcome> = {
  'fenced-counter': (history, a) => checkFencedCounter(history, String(a?.lock), String(a?.counter)),
};

/** A workload's own checks (fenced-counter's token and lost-update checks, ...), under the workload's name. */
export function workloadChecker(name: string): Checker {
  const w = getWorkload(name);
  if (!w.checks?.length) throw new Error(`workload ${name} has no checkers of its own`);
  const checks = w.checks.map((c) => {
    const run = NAMED_CHECKS[c.checker];
    if (!run) throw new Error(`workload ${name} names check "${c.checker}", which this faultline does not know`);
    return (history: readonly HistoryEvent[]) => run(history, c.args);
  });
  return {
    name,
    check(history) {
      const outcomes = checks.map((run) => run(history));
      return { valid: mergeValidity(outcomes.map((o) => o.valid)), checkers: outcomes };
    },
  };
}

/** The spec a run of `workload` records. */
export function specForWorkload(workload: string, checkTimeoutS: number): CheckSpec {
  const w = getWorkload(workload);
  const checkers = [...(w.model ? ['linearizable'] : []), ...(w.checks?.length ? [w.name] : []), 'stats'];
  return { workload: w.name, model: w.model, checkers, timeoutMs: checkTimeoutS * 1000 };
}

export const CHECKER_NAMES = ['linearizable', 'stats', ...WORKLOADS.filter((w) => w.checks?.length).map((w) => w.name)];

/**
 * The spec of a saved history: what the run recorded (test.json's "checks", else the header's checkers, else
 * its workload's), with the user's overrides. A history that names no workload gets a model (header, format or
 * guessed by the caller) and the linearizability checker only.
 */
export function specFromRecord(
  rec: { checks?: Partial<CheckSpec>; header?: HistoryHeader; checkTimeoutS?: number; file?: string },
  fallbackModel: () => string,
  over: { model?: string; timeoutMs?: number; init?: unknown } = {},
): CheckSpec {
  const h = (rec.header ?? {}) as { workload?: unknown; model?: unknown; checkers?: unknown; checkTimeoutS?: unknown };
  if (h.model !== undefined && (typeof h.model !== 'string' || !modelNames().includes(h.model)))
    throw new HistoryError(
      `the header names model ${showValue(h.model)}, which is unknown; ` +
        `known models: ${modelNames().join(', ')} (or give --model)`,
      rec.file,
      rec.header && getLine(rec.header as unknown as HistoryEvent),
    );
  const workload =
    typeof rec.checks?.workload === 'string'
      ? rec.checks.workload
      : typeof h.workload === 'string' && WORKLOADS.some((w) => w.name === h.workload)
        ? h.workload
        : undefined;
  let spec: CheckSpec;
  if (rec.checks && Array.isArray(rec.checks.checkers)) {
    spec = {
      workload,
      model: rec.checks.model,
      checkers: rec.checks.checkers.map(String),
      timeoutMs: rec.checks.timeoutMs ?? 0,
    };
  } else if (workload) {
    spec = specForWorkload(workload, rec.checkTimeoutS ?? (typeof h.checkTimeoutS === 'number' ? h.checkTimeoutS : 0));
    if (Array.isArray(h.checkers)) spec.checkers = h.checkers.map(String);
  } else {
    spec = { model: typeof h.model === 'string' ? h.model : fallbackModel(), checkers: ['linearizable'], timeoutMs: 0 };
  }
  for (const c of spec.checkers)
    if (!CHECKER_NAMES.includes(c))
      throw new Error(
        `the history names checker "${c}", which this faultline does not know; known: ${CHECKER_NAMES.join(', ')}`,
      );
  if (over.model) {
    spec.model = over.model;
    if (!spec.checkers.includes('linearizable')) spec.checkers = ['linearizable', ...spec.checkers];
  }
  if (over.timeoutMs !== undefined) spec.timeoutMs = over.timeoutMs;
  if (over.init !== undefined) spec.init = over.init;
  if (spec.checkers.includes('linearizable') && !spec.model)
    throw new Error('the linearizability checker needs a model; give --model');
  if (spec.model) getModel(spec.model); // an unknown model is bad input, not an undecided check
  return spec;
}

export function checkersFor(spec: CheckSpec, file?: string, badInputThrows = false): Checker {
  return compose(
    'all',
    spec.checkers.map((name) => {
      if (name === 'linearizable') return linearizableChecker(spec.model!, spec.timeoutMs, spec.init, file);
      if (name === 'stats') return statsChecker;
      return workloadChecker(name);
    }),
    { badInputThrows },
  );
}

/**
 * THE function: results of a history under a spec, as results.json holds them (`full`: valid partitions keep
 * their operations, for drawing). A run that itself failed (`runError`) is never called valid: what it recorded
 * may be too little to show a bug.
 */
export function runChecks(
  events: readonly HistoryEvent[],
  spec: CheckSpec,
  o: { runError?: string; file?: string; full?: boolean; badInputThrows?: boolean } = {},
): Results {
  let r = checkersFor(spec, o.file, o.badInputThrows).check(events);
  if (!o.full) r = slimResults(r);
  return o.runError && r.valid === true ? { ...r, valid: 'unknown' } : r;
}

/** Results without what differs from one computation to the next (timings), for comparing a re-check with a run. */
export function comparable(r: Results): unknown {
  return JSON.parse(JSON.stringify(r, (k, v) => (k === 'ms' ? undefined : v)));
}

/** A key as a person wrote it: strings bare, the models' tagged canonical values untagged. */
export function plainKey(key: unknown): string {
  if (typeof key === 'string') return key.startsWith('\u0000') ? key.slice(1) : key;
  return showValue(key, 200);
}

export function partitionKey(p: PartitionInfo): unknown {
  return (p.ops[0]?.input as { key?: unknown } | undefined)?.key;
}

export interface Offending {
  checker: string;
  /** The failing partition's key, if the model partitions by key. */
  key?: unknown;
  op?: Operation;
  /** "key k3: client 4: read → 1 could not be linearized" or a workload checker's first problem. */
  text: string;
}

/** The first operation that proves a result invalid, described for a person (JUnit, the summary, check). */
export function firstOffending(r: Results): Offending | undefined {
  for (const c of r.checkers) {
    if (c.valid !== false) continue;
    const lin = c.linearizability;
    if (lin) {
      let describe: ((i: unknown, o: unknown) => string) | undefined;
      try {
        const m = c.model ? getModel(c.model).create({}).model : undefined;
        describe = m?.describeOperation ? (i, o) => String(m.describeOperation!(i as never, o as never)) : undefined;
      } catch {
        describe = undefined;
      }
      for (const p of lin.partitions) {
        if (p.verdict !== 'illegal' || !p.offending?.length) continue;
        const op = p.ops[p.offending[0]];
        if (!op) continue;
        const key = partitionKey(p);
        let what: string;
        try {
          what = describe ? describe(op.input, op.output) : showValue({ input: op.input, output: op.output }, 200);
        } catch {
          what = showValue({ input: op.input, output: op.output }, 200);
        }
        const keyText = key !== undefined && key !== null ? `key ${plainKey(key)}: ` : '';
        return { checker: c.checker, key, op, text: `${keyText}client ${op.clientId}: ${what}` };
      }
    }
    const problems = (c.details as { problems?: unknown[] } | undefined)?.problems;
    if (Array.isArray(problems) && problems.length > 0)
      return {
        checker: c.checker,
        text: `${c.checker}: ${typeof problems[0] === 'string' ? problems[0] : showValue(problems[0], 200)}`,
      };
    return { checker: c.checker, text: `${c.checker}: invalid${c.error ? ` (${c.error})` : ''}` };
  }
  return undefined;
}

/** Why a result is unknown, in a sentence. */
export function unknownReason(r: Results, runError?: string): string {
  if (runError) return `the run failed: ${runError}`;
  const reasons = r.checkers.filter((c) => c.valid === 'unknown').map((c) => `${c.checker}: ${c.error ?? 'undecided'}`);
  return reasons.join('; ') || 'unknown';
}
