// Fuzzing what a target's code hands the harness and where it can hang (issue 22 item 8's classes for item 4):
//  - malformed specs: a valid cluster spec and node() result, mutated at random paths (wrong kinds of value,
//    missing and unknown fields, repeated port names), go through the guard (harness/target/guard.ts). Each is
//    accepted exactly when an independent oracle here says it is valid; otherwise the error is one line, names the
//    target and a mutated field (or its parent), and is never a TypeError from inside;
//  - hang placements: a target that never settles, or settles (or rejects) only after the deadline, in a random
//    place (import, cluster(), health(), image(), install(), invoke(), close(), a hook), with a random deadline:
//    every call ends within its deadline and a slack for a loaded machine, with the one-line message, and no late
//    rejection goes unhandled.
// Values differing only in representation are the elle branch's class; admin requests without or with wrong
// credentials are already fuzzed by test/integration/api-fuzz.test.ts (adminCase); crafted run folders for
// `faultline serve` are the serve branch's. FUZZ_N and FUZZ_SEED as for the other fuzz tests.
import { resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Random } from '../../../harness/generator/random.js';
import { repoRoot } from '../../../harness/paths.js';
import { DEADLINES, type Deadlines } from '../../../harness/target/deadlines.js';
import { TargetGuard } from '../../../harness/target/guard.js';
import type { Addressing, ClientContext, Target, TargetContext } from '../../../harness/target/types.js';
import { loadTarget } from '../../../targets/load.js';
import { hangTarget } from '../../fixtures/hang-target.js';

const N = Number(process.env.FUZZ_N ?? 300);
const SEED = Number(process.env.FUZZ_SEED ?? 14);
const HANGS = Math.max(40, Math.round(N / 3));
/** How late past its deadline a call may end on a machine shared by many (timers fire late under load). */
const SLACK_MS = 1500;

const CTX: TargetContext = { runId: 'r', nodes: 2, logDir: '/tmp/none', options: {}, secret: '00' };
const ADDR: Addressing = {
  runtime: 'local',
  names: ['n1'],
  listenHost: '127.0.0.1',
  port: () => 1,
  peerAddr: () => '127.0.0.1:1',
  clientAddr: () => '127.0.0.1:1',
  dataDir: () => '/tmp/none',
};
const NODES = [{ name: 'n1', addrs: {}, url: 'http://127.0.0.1:1' }];
const clientContext = (opTimeoutMs: number): ClientContext => ({
  seed: 1,
  concurrency: 1,
  opTimeoutMs,
  nodes: NODES,
  prefer: 0,
  process: 0,
  options: {},
});

type Path = (string | number)[];
type Bag = Record<string | number, unknown>;

const spell = (p: Path, root = 'spec'): string =>
  root + p.map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)).join('');

/** Values of every kind, some of which fit somewhere by chance (the oracle decides). */
function wrongValue(r: Random): unknown {
  const nested: Bag = {};
  let at = nested;
  for (let i = 0; i < 50; i++) at = at.x = {} as Bag;
  return r.pick<() => unknown>([
    () => undefined,
    () => null,
    () => '',
    () => 'client',
    () => 'peer',
    () => 'x'.repeat(r.int(1, 200_000)),
    () => r.int(-70_000, 70_000),
    () => r.pick([0, 0.5, 65535, 65536, Number.NaN, Number.POSITIVE_INFINITY, -0, 1e300]),
    () => r.chance(0.5),
    () => [],
    () => [1, 'a', null],
    () => ({}),
    () => ({ name: 'c', kind: 'client', container: 1 }),
    () => ({ kind: 'client' }),
    () => () => undefined,
    () => Symbol('s'),
    () => 10n,
    () => nested,
    () => new Date(0),
  ])();
}

function validSpec(r: Random): Bag {
  const n = r.int(1, 4);
  return {
    ports: Array.from({ length: n }, (_, i) => ({
      name: `p${i}`,
      kind: i === 0 ? 'client' : 'peer',
      container: 1000 + i,
    })),
    node: () => ({ command: ['prog', '--x'] }),
    health: async () => undefined,
    clockFaults: r.chance(0.5),
    ...(r.chance(0.3) ? { image: async () => 'img' } : {}),
  };
}

/** Sets (or deletes, value undefined) the field at `p` inside `root`. */
function setAt(root: Bag, p: Path, value: unknown): void {
  let at = root;
  for (const k of p.slice(0, -1)) at = at[k] as Bag;
  const last = p[p.length - 1];
  if (value === undefined) delete at[last];
  else at[last] = value;
}

/** A random path that exists in `spec` (so that a mutation there means something), or a new field. */
function pathIn(spec: Bag, r: Random): Path {
  const ports = spec.ports;
  const fields = ['ports', 'node', 'health', 'clockFaults', 'image', 'install', `extra${r.int(0, 3)}`];
  const f = r.pick(fields);
  if (f === 'ports' && Array.isArray(ports) && ports.length && r.chance(0.7)) {
    const i = r.int(0, ports.length);
    const port = ports[i];
    if (port && typeof port === 'object' && r.chance(0.7)) return ['ports', i, r.pick(['name', 'kind', 'container'])];
    return ['ports', i];
  }
  return [f];
}

/** Mutates `spec` 1..3 times; returns the paths it touched ([] for the whole spec). */
function mutate(spec: Bag, r: Random): { spec: unknown; paths: Path[] } {
  const paths: Path[] = [];
  if (r.chance(0.05)) return { spec: wrongValue(r), paths: [[]] };
  for (let m = r.int(1, 4); m > 0; m--) {
    const ports = spec.ports;
    if (r.chance(0.15) && Array.isArray(ports) && ports.length && typeof ports[0] === 'object' && ports[0]) {
      ports.push({ ...(ports[0] as Bag) }); // a repeated name
      paths.push(['ports', ports.length - 1]);
      continue;
    }
    const p = pathIn(spec, r);
    setAt(spec, p, r.chance(0.15) ? undefined : wrongValue(r));
    paths.push(p);
  }
  return { spec, paths };
}

const isPlain = (v: unknown): v is Bag => typeof v === 'object' && v !== null && !Array.isArray(v);
const KNOWN = new Set(['ports', 'node', 'health', 'clockFaults', 'image', 'install']);

/** The oracle: what a cluster spec must be, written out plainly (docs/targets.md's table). */
function specIsValid(s: unknown): boolean {
  if (!isPlain(s) || Object.getPrototypeOf(s) !== Object.prototype) return false;
  if (Object.keys(s).some((k) => !KNOWN.has(k) && s[k] !== undefined)) return false;
  if (typeof s.node !== 'function' || typeof s.health !== 'function') return false;
  if (typeof s.clockFaults !== 'boolean') return false;
  for (const k of ['image', 'install']) if (s[k] !== undefined && typeof s[k] !== 'function') return false;
  const ports = s.ports;
  if (!Array.isArray(ports) || ports.length < 1 || ports.length > 64) return false;
  const names = new Set<unknown>();
  for (const p of ports) {
    if (!isPlain(p) || Object.keys(p).some((k) => !['name', 'kind', 'container'].includes(k) && p[k] !== undefined))
      return false;
    if (typeof p.name !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(p.name) || names.has(p.name)) return false;
    names.add(p.name);
    if (p.kind !== 'client' && p.kind !== 'peer') return false;
    if (typeof p.container !== 'number' || !Number.isInteger(p.container) || p.container < 1 || p.container > 65535)
      return false;
  }
  return true;
}

function processIsValid(p: unknown): boolean {
  if (!isPlain(p) || Object.getPrototypeOf(p) !== Object.prototype) return false;
  if (Object.keys(p).some((k) => k !== 'command' && k !== 'env' && p[k] !== undefined)) return false;
  const c = p.command;
  if (!Array.isArray(c) || c.length < 1 || c.length > 10_000) return false;
  const text = (x: unknown): boolean => typeof x === 'string' && x.length <= 100_000;
  for (let i = 0; i < c.length; i++) if (!text(c[i])) return false; // holes included
  if (p.env === undefined) return true;
  return isPlain(p.env) && Object.keys(p.env).length <= 10_000 && Object.values(p.env).every(text);
}

/** The field an error names: `target "fuzz": <path> must be ...`. */
function namedPath(message: string): string {
  const m = /^target "fuzz": (spec\S*) must be /.exec(message);
  assert.ok(m, `no field named: ${message}`);
  return m![1];
}

/** Whether two field paths lie on one branch (one is the other or contains it). */
const sameBranch = (a: string, b: string): boolean =>
  a === b || a.startsWith(`${b}.`) || a.startsWith(`${b}[`) || b.startsWith(`${a}.`) || b.startsWith(`${a}[`);

/**
 * Runs `call` (which hands the guard a mutated value): it must succeed exactly when the oracle says `valid`, and
 * otherwise fail with one line naming a field on the branch of a mutated path. Resolves true when it succeeded.
 */
async function judge(
  label: string,
  call: () => unknown,
  valid: boolean,
  paths: Path[],
  root: string,
): Promise<boolean> {
  let message: string | undefined;
  try {
    await call();
  } catch (e) {
    assert.ok(!(e instanceof TypeError) && !(e instanceof RangeError), `${label}: ${(e as Error).stack}`);
    message = (e as Error).message;
  }
  assert.is(message === undefined, valid, `${label}: ${message ?? 'accepted'}`);
  if (message === undefined) return true;
  assert.not.match(message, /\n/, label);
  const named = namedPath(message);
  assert.ok(
    paths.some((p) => sameBranch(named, spell(p, root))),
    `${label}: names ${named}`,
  );
  return false;
}

const BASE: Target = { ...hangTarget('none'), name: 'fuzz' };
const counts = { specs: 0, specsAccepted: 0, processes: 0, processesAccepted: 0, hangs: 0, testsPassed: 0 };

test('malformed specs: accepted exactly when valid; otherwise one line naming a mutated field', async () => {
  const r = new Random(SEED);
  for (let i = 0; i < N; i++) {
    const { spec, paths } = mutate(validSpec(r), r);
    const label = `case ${i} (seed ${SEED}): mutated ${paths.map((p) => spell(p)).join(', ')}`;
    const guard = new TargetGuard({ ...BASE, cluster: () => spec as never }, DEADLINES, () => undefined);
    counts.specs++;
    if (await judge(label, () => guard.cluster(CTX), specIsValid(spec), paths, 'spec')) counts.specsAccepted++;
  }
  counts.testsPassed++;
});

test('malformed node() results: accepted exactly when valid; otherwise one line naming the field', async () => {
  const r = new Random(SEED ^ 0x5f3759df);
  for (let i = 0; i < N; i++) {
    const proc: Bag = { command: ['prog', 'arg'], ...(r.chance(0.5) ? { env: { A: '1', B: '2' } } : {}) };
    const paths: Path[] = [];
    const whole = r.chance(0.05);
    if (whole) paths.push([]);
    for (let m = whole ? 0 : r.int(1, 4); m > 0; m--) {
      const p: Path = r.pick<Path>([['command'], ['command', r.int(0, 2)], ['env'], ['env', 'A'], ['other']]);
      if (p[0] === 'env' && p.length === 2 && !isPlain(proc.env)) continue;
      if (p[0] === 'command' && p.length === 2 && !Array.isArray(proc.command)) continue;
      setAt(proc, p, r.chance(0.15) ? undefined : wrongValue(r));
      paths.push(p);
    }
    const result = whole ? wrongValue(r) : proc;
    const label = `process case ${i} (seed ${SEED}): mutated ${paths.map((p) => spell(p)).join(', ')}`;
    const spec = await new TargetGuard(
      { ...BASE, cluster: () => Object.assign(validSpec(r), { node: () => result }) as never },
      DEADLINES,
      () => undefined,
    ).cluster(CTX);
    counts.processes++;
    const valid = processIsValid(result);
    if (await judge(label, () => spec.node('n1', ADDR), valid, paths, 'spec.node("n1")')) counts.processesAccepted++;
  }
  counts.testsPassed++;
});

const PLACES = ['import', 'cluster', 'health', 'image', 'install', 'invoke', 'close', 'hook'] as const;
type Hang = 'never' | 'late' | 'late-reject';

test('hang placements: every call ends within its deadline with the one-line message', async () => {
  const r = new Random(SEED ^ 0x2545f491);
  let unhandled = 0;
  const count = (): void => {
    unhandled++;
  };
  process.on('unhandledRejection', count);
  const importFile = resolve(repoRoot(), 'dist', 'test', 'fixtures', 'hang-import.js');
  for (let i = 0; i < HANGS; i++) {
    const place = r.pick(PLACES);
    const hang: Hang = r.pick(['never', 'late', 'late-reject'] as const);
    const ms = r.int(10, 60);
    const label = `hang ${i} (seed ${SEED}): ${place}, ${hang}, ${ms} ms`;
    // An invoke's deadline is the op timeout's (at least 1 s past it): its late answers come after that.
    const lateMs = place === 'invoke' ? 1001 + 50 : ms * 3 + 20;
    const work = <T>(value: T): (() => Promise<T>) => {
      if (hang === 'never') return () => new Promise<T>(() => undefined);
      return () =>
        new Promise<T>((res, rej) => setTimeout(() => (hang === 'late' ? res(value) : rej(new Error('late'))), lateMs));
    };
    const d: Deadlines = { ...DEADLINES, clusterMs: ms, healthMs: ms, startMs: ms, closeMs: ms, hookMs: ms };
    const said: string[] = [];
    const valid = validSpec(r);
    const t: Target = {
      ...BASE,
      cluster: place === 'cluster' ? (work(valid) as never) : () => valid as never,
      clients: {
        kv: () => ({
          invoke: place === 'invoke' ? work({ type: 'ok' as const }) : async () => ({ type: 'ok' as const }),
          close: place === 'close' ? work(undefined) : () => undefined,
        }),
      },
    };
    Object.assign(valid, {
      health: place === 'health' ? work(undefined) : async () => undefined,
      image: place === 'image' ? work('img') : async () => 'img',
      install: place === 'install' ? work(undefined) : async () => undefined,
    });
    const guard = new TargetGuard(t, d, (m) => said.push(m));
    const t0 = performance.now();
    let message: string;
    if (place === 'import') {
      message = await loadTarget(importFile, ms).then(
        () => 'loaded',
        (e: Error) => e.message,
      );
    } else if (place === 'invoke') {
      const c = guard.client(t.clients.kv, 1)(clientContext(1));
      const done = await c.invoke({ f: 'read', key: 'k' });
      message = done.type === 'info' ? done.error : `completed ${done.type}`;
    } else if (place === 'close') {
      const c = guard.client(t.clients.kv, 1000)(clientContext(1000));
      await c.close();
      message = said[0] ?? 'closed';
    } else {
      message = await (async () => {
        const spec = await guard.cluster(CTX);
        if (place === 'health') await spec.health(NODES);
        else if (place === 'image') await spec.image!({} as never);
        else if (place === 'install') await spec.install!({} as never);
        else if (place === 'hook') await guard.hook('leader()', work('n1'));
        return 'settled';
      })().then(
        (m) => m,
        (e: Error) => e.message,
      );
    }
    const took = performance.now() - t0;
    const bound = (place === 'invoke' ? 1001 : ms) + SLACK_MS;
    counts.hangs++;
    assert.ok(took <= bound, `${label}: took ${took.toFixed(0)} ms, bound ${bound} ms`);
    assert.not.match(message, /\n/, label);
    assert.match(message, /did not settle within/, label);
    const who = place === 'import' ? /^--target \S+hang-import\.js: / : /^target "fuzz": /;
    assert.match(message, who, label);
  }
  await new Promise((res) => setTimeout(res, 300));
  process.off('unhandledRejection', count);
  assert.is(unhandled, 0, 'late rejections are dropped, never unhandled');
  counts.testsPassed++;
});

test.after(() => {
  if (counts.testsPassed < 3) return; // the failures were reported above
  console.log(
    `  target fuzz (seed ${SEED}): ${counts.specs} malformed specs (${counts.specsAccepted} still valid, accepted), ` +
      `${counts.processes} node() results (${counts.processesAccepted} still valid), ${counts.hangs} hang placements ` +
      `(${PLACES.join(', ')}); failures: none`,
  );
});
test.run();
