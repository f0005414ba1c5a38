// One `faultline run`: bring the cluster up, drive the workload while the nemesis injects faults, heal, final
// reads, check, tear down. It is handed the test's record (store/test.ts, built once from the options by the
// command) and the target already prepared, and fills the record in as it goes. Every event is in history.jsonl
// the moment it happens; whatever stops the run (time limit, Ctrl-C, an error), what was recorded is still
// checked. The report is the command's to render (commands/execute.ts).
import { randomBytes } from 'node:crypto';
import { pino, type Logger } from 'pino';
import { getWorkload } from '../../workloads/index.js';
import type { PreparedTarget } from '../../targets/prepare.js';
import { refusalsOf } from '../../targets/prepare.js';
import { runChecks } from '../check/pipeline.js';
import type { Results } from '../checker/results.js';
import { Random } from '../generator/random.js';
import { phases, timeLimit, until } from '../generator/generator.js';
import { burstRate } from '../generator/bursts.js';
import { barrier, oncePerWorker } from '../generator/phases.js';
import type { HistoryEvent } from '../history/op.js';
import { parseNemesisSpec, requiredKinds, resolvePackages } from '../nemesis/packages.js';
import { plan, transitionsS } from '../nemesis/plan.js';
import { Nemesis } from '../nemesis/schedule.js';
import { createRuntime } from '../runtime/index.js';
import { refuseImpossible, runtimeCan } from '../runtime/refusals.js';
import type { ClusterSpec, RuntimeKind } from '../runtime/spec.js';
import type { Runtime } from '../runtime/types.js';
import {
  createRunFolder,
  nodesDir,
  openHarnessLog,
  openHistory,
  readHistory,
  writeResults,
  writeTest,
} from '../store/folder.js';
import type { Test } from '../store/test.js';
import { plural } from '../words.js';
import { faultLine, sampleLine } from './progress-lines.js';
import { DEADLINES } from '../target/deadlines.js';
import { TargetGuard } from '../target/guard.js';
import { Recorder } from './recorder.js';
import { WorkerPool } from './workers.js';

export interface RunOutcome {
  dir: string;
  results: Results;
  test: Test;
  events: HistoryEvent[];
  interrupted?: string;
}

/** A shared "stop early" signal: Ctrl-C ends the load phase; the run then still heals, checks and reports. */
export class StopSignal {
  reason: string | undefined;
  private listeners: (() => void)[] = [];
  stop(reason: string): void {
    if (this.reason) return;
    this.reason = reason;
    for (const l of this.listeners) l();
  }
  on(l: () => void): void {
    this.listeners.push(l);
  }
}

export interface Progress {
  /** A status line (rewritten in place on a terminal). */
  line(s: string): void;
  /** A message that must be seen. */
  message(s: string): void;
  /**
   * A fault started, stopped or was healed (progress-lines.ts's faultLine). Where no live line shows the active
   * faults (stdout not a terminal: CI logs), it is a line of its own, so the log says every fault injected.
   */
  fault(s: string): void;
}

/**
 * Runs the test `test` records (its options, its runtime, its checks) against the prepared target. `said`: what
 * was said before the run's folder existed (why this runtime), logged first.
 */
export async function runOnce(
  test: Test,
  prepared: PreparedTarget,
  stop: StopSignal,
  progress: Progress,
  said: readonly string[] = [],
): Promise<RunOutcome> {
  const o = test.options;
  const workload = getWorkload(o.workload);
  const nemesisSpec = parseNemesisSpec(o.nemesis);
  const { target, options: topts } = prepared;
  const name = test.name;
  const dir = createRunFolder(o.out, name);
  const logStream = openHarnessLog(dir);
  const log: Logger = pino({ level: 'info', base: { run: name } }, logStream);
  const say = (m: string): void => {
    log.info(m);
    progress.message(m);
  };
  for (const m of said) say(m);
  writeTest(dir, test);
  const recorder = new Recorder(openHistory(dir, test));
  let runtime: Runtime | undefined;
  let pool: WorkerPool | undefined;
  let nemesis: Nemesis | undefined;
  // Every call into the target's code has a deadline (target/deadlines.ts); tests may shorten them.
  const guard = new TargetGuard(target, { ...DEADLINES, ...prepared.deadlines }, say);
  const client = guard.client(prepared.client, o.opTimeoutMs);
  try {
    runtime = await createRuntime(test.runtime as RuntimeKind, say, o.hosts ? { ...o, hosts: o.hosts } : undefined);
    const warning = await runtime.leftovers?.();
    if (warning) say(warning);
    const runId = `fl${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;
    const optText = Object.entries(topts)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    say(`bringing up ${plural(o.nodes, `${target.name} node`)} (${runtime.kind})${optText ? ` with ${optText}` : ''}`);
    const logDir = nodesDir(dir);
    // A fresh secret per run: nodes that authenticate their peers accept only this cluster's members.
    const secret = randomBytes(32).toString('hex');
    const spec: ClusterSpec = {
      runId,
      nodes: o.nodes,
      logDir,
      ...(await guard.cluster({ runId, nodes: o.nodes, logDir, options: topts, secret })),
    };
    const rtUp = runtime;
    const handles = await guard.within(`start-up of ${o.nodes} nodes (${runtime.kind})`, guard.deadlines.startMs, () =>
      rtUp.up(spec),
    );
    test.nodes = handles.map((h) => ({ name: h.name, url: h.url }));
    writeTest(dir, test);
    if (stop.reason) throw new Error(`stopped before the load started (${stop.reason})`);

    // Fault packages: `all` leaves out what the target refuses and what this runtime cannot do.
    const rt = runtime;
    await refuseImpossible(rt, requiredKinds(nemesisSpec));
    const packages = await resolvePackages(nemesisSpec, refusalsOf(target, topts), (k) => runtimeCan(rt, k));
    const steps = plan(
      o.nemesisSchedule,
      packages.length,
      { intervalMs: o.nemesisIntervalS * 1000, horizonMs: o.timeLimitS * 1000 },
      new Random(o.seed ^ 0x2545f491),
    );
    const wo = { seed: o.seed, concurrency: o.concurrency, opTimeoutMs: o.opTimeoutMs, leaseMs: workload.leaseMs };
    const started = performance.now();
    const elapsed = (): number => (performance.now() - started) / 1000;
    // Phases: the load (until the time limit or Ctrl-C), a barrier while the nemesis heals, the final reads.
    let loadOver = false;
    const healed = barrier(o.concurrency);
    const p = new WorkerPool({
      concurrency: o.concurrency,
      seed: o.seed,
      recorder,
      elapsed,
      rate: burstRate(transitionsS(steps), {
        rate: o.rate,
        burstRate: o.burstRate ?? 3 * o.rate,
        burstSeconds: o.burstSeconds,
      }),
      generator: phases(
        until(() => loadOver, timeLimit(o.timeLimitS, workload.generator(wo))),
        healed.gen,
        oncePerWorker(workload.finalOp),
      ),
      makeClient: (process, worker) => {
        const inner = client({ ...wo, nodes: handles, prefer: worker, process, options: topts });
        return workload.wrapClient ? workload.wrapClient(inner, { ...wo, process }) : inner;
      },
    });
    pool = p;
    const electionMs = Number(topts['election-ms']);
    nemesis = new Nemesis({
      packages,
      steps,
      rnd: new Random(o.seed ^ 0x68e31da4),
      record: (e) => {
        recorder.record(e);
        const line = faultLine(elapsed(), e);
        if (line) progress.fault(line);
      },
      now: () => recorder.now(),
      log: (m) => log.info(m),
      elapsedMs: () => elapsed() * 1000,
      ctx: {
        runtime: rt,
        nodes: handles.map((h) => h.name),
        rnd: new Random(o.seed ^ 0x68e31da4 ^ 0x1b873593),
        leader: async (key) =>
          target.leader ? guard.hook('leader()', () => target.leader!(handles, key, topts)) : undefined,
        hotKey: () => p.hotKey(),
        membership: target.membership
          ? (op, node, how) =>
              guard.hook('membership()', () => target.membership!(handles, op, node, topts, { ...how, secret }))
          : undefined,
        electionTimeoutMs: Number.isFinite(electionMs) && electionMs > 0 ? electionMs : undefined,
      },
    });
    stop.on(() => {
      loadOver = true;
    });
    const ticker = setInterval(() => {
      const active = (nemesis?.state.active ?? []).map((a) => a.kind);
      progress.line(sampleLine({ elapsedS: elapsed(), limitS: o.timeLimitS, counts: recorder.counts, active }));
    }, 1000);
    const kindsText = packages.map((x) => x.kind.name).join(',') || 'none';
    const schedule = `${o.nemesisSchedule}, ${o.nemesisIntervalS} s, ${plural(steps.length, 'fault')} planned`;
    say(
      `load: ${workload.name}, ${plural(o.concurrency, 'client')}, ${o.rate || 'unlimited'} ops/s, ` +
        `${o.timeLimitS} s, nemesis ${kindsText} (${schedule})`,
    );
    nemesis.start();
    const running = p.run();
    try {
      await Promise.race([healed.reached, running]);
    } finally {
      clearInterval(ticker);
    }
    say('load done: healing every fault');
    await nemesis.stop();
    try {
      await runtime.waitHealthy(30_000);
      say('final reads');
    } catch (e) {
      say(`cluster did not recover within 30 s after healing: ${(e as Error).message}`);
      p.stop();
    }
    healed.open();
    await running;
  } catch (e) {
    test.error = (e as Error).message;
    say(`run error: ${test.error}`);
  } finally {
    await pool?.close();
    recorder.close();
  }
  // Check what was recorded, whatever happened above.
  let events: HistoryEvent[] = [];
  try {
    events = (await readHistory(dir, 'jsonl')).events;
  } catch {
    // Nothing was recorded (the run failed before the load): an empty history.
  }
  const checks = test.checks!;
  say(`checking ${plural(events.length, 'event')}${checks.model ? ` with ${checks.model}` : ''}`);
  const results = runChecks(events, checks, { runError: test.error });
  writeResults(dir, results);
  test.finishedAt = new Date().toISOString();
  if (stop.reason) test.interrupted = stop.reason;
  writeTest(dir, test);
  if (runtime) {
    say('tearing down');
    // An overrun is said and the run still reports; the exit handlers (runtime/cleanup.ts) kill what is left.
    const rt = runtime;
    await guard
      .within('teardown', guard.deadlines.teardownMs, () => rt.down())
      .catch((e: unknown) => say(`teardown: ${(e as Error).message}`));
  }
  log.flush?.();
  logStream.end();
  if (test.error) throw Object.assign(new Error(test.error), { dir, results, test, events });
  return { dir, results, test, events, interrupted: stop.reason };
}
