// Who takes the `membership` nemesis: a target without the hook refuses it up front (an explicit
// `--nemesis membership` fails in one line before anything starts, `--nemesis all` leaves it out), etcd refuses
// it with its own reason, the reference target takes it, and defineTarget checks the hook is a function.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseNemesisSpec, requiredKinds, resolvePackages } from '../../../harness/nemesis/packages.js';
import { defineTarget } from '../../../harness/target/define.js';
import { prepareTarget, refusalsOf } from '../../../targets/prepare.js';
import type { Target } from '../../../harness/target/types.js';
import { repoRoot } from '../../../harness/paths.js';
import { runCli } from '../../helpers/cli.js';

const noop = () => ({ invoke: async () => ({ type: 'ok' as const }), close: () => undefined });
const bare = (extra: Partial<Target> = {}): Target =>
  defineTarget({
    name: 'bare',
    describe: 'no membership hook',
    cluster: () => ({
      ports: [],
      node: () => ({ command: ['true'] }),
      health: async () => undefined,
      clockFaults: false,
    }),
    clients: { register: noop },
    ...extra,
  });

async function rejects(p: Promise<unknown>, re: RegExp): Promise<void> {
  try {
    await p;
  } catch (e) {
    assert.match((e as Error).message, re);
    assert.not.match((e as Error).message, /\n/);
    return;
  }
  assert.unreachable(`expected a rejection like ${re}`);
}

test('no hook: membership is refused with the reason; its own refusals stay; with a hook nothing is implied', () => {
  assert.match(refusalsOf(bare(), {}).membership!, /no membership hook \(Target\.membership/);
  const withClock = refusalsOf(bare({ refuses: () => ({ clock: 'no clock' }) }), {});
  assert.equal(Object.keys(withClock).sort(), ['clock', 'membership']);
  assert.equal(refusalsOf(bare({ membership: async () => ({}) }), {}), {});
  // A target's own reason wins over the implied one.
  assert.equal(refusalsOf(bare({ refuses: () => ({ membership: 'ours' }) }), {}).membership, 'ours');
});

test('--nemesis all leaves membership out for a target without the hook, keeps it for one with it', async () => {
  const all = parseNemesisSpec('all');
  const without = await resolvePackages(all, refusalsOf(bare(), {}), async () => true);
  assert.not.ok(without.some((p) => p.kind.name === 'membership'));
  assert.ok(without.some((p) => p.kind.name === 'partition'));
  const withHook = await resolvePackages(all, refusalsOf(bare({ membership: async () => ({}) }), {}), async () => true);
  assert.ok(withHook.some((p) => p.kind.name === 'membership'));
});

test('defineTarget: a membership hook that is not a function is one line naming the target', () => {
  assert.throws(
    () => bare({ membership: 'yes' as never }),
    /^target "bare": membership must be a function when given$/,
  );
  assert.throws(() => bare({ leader: 3 as never }), /leader must be a function/);
});

test(
  'prepareTarget: explicit membership is refused before anything starts for etcd (its reason) ' +
    'and the example; reference takes it',
  async () => {
    await rejects(
      prepareTarget('etcd', {}, 'kv', requiredKinds(parseNemesisSpec('partition,membership'))),
      /^target etcd cannot take --nemesis membership: .*wiped data dir and --initial-cluster-state existing/,
    );
    const example = join(repoRoot(), 'examples', 'primary-backup', 'primary-backup.js');
    await rejects(
      prepareTarget(example, {}, 'register', ['membership']),
      /cannot take --nemesis membership: the target has no membership hook/,
    );
    const ref = await prepareTarget('reference', {}, 'kv', requiredKinds(parseNemesisSpec('membership:churn')));
    assert.type(ref.target.membership, 'function');
  },
);

test(
  'a user module without the hook: `faultline run --nemesis membership` ' +
    'is one line and exit 3 (bad input), nothing started',
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'fl-memref-'));
    try {
      const mod = join(dir, 'bare.mjs');
      const api = join(repoRoot(), 'dist', 'harness', 'public.js');
      writeFileSync(
        mod,
        `import { defineTarget } from ${JSON.stringify(api)};\n` +
          `export default defineTarget({ name: 'bare', describe: 'x', ` +
          `cluster: () => ({ ports: [], node: () => ({ command: ['true'] }), ` +
          'health: async () => undefined, clockFaults: false }),' +
          `\n  clients: { register: () => ({ invoke: async () => ({ type: 'ok' }), close() {} }) } });\n`,
      );
      const r = runCli([
        'run',
        '--runtime',
        'local',
        '--target',
        mod,
        '--workload',
        'register',
        '--nemesis',
        'membership',
        '--out',
        join(dir, 'out'),
      ]);
      assert.is(r.code, 3, r.stdout + r.stderr);
      assert.match(r.stderr, /target bare cannot take --nemesis membership: the target has no membership hook/);
      assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.not.match(r.stdout, /bringing up/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test.run();
