// Shrinking: ddmin finds 1-minimal failing subsets; a planted stale read in a long multi-key history shrinks to
// the write that was read, the newer write it missed and the read, and re-checks invalid; a read of a value never
// written keeps that read; a valid history is refused.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { CheckSpec } from '../../../harness/checker/check-spec.js';
import { runChecks } from '../../../harness/check/pipeline.js';
import type { HistoryEvent } from '../../../harness/history/op.js';
import { corruptOneRead, syntheticRegisterHistory } from '../../fixtures/synthetic-history.js';
import { ddmin } from '../../../harness/shrink/ddmin.js';
import { NotInvalidError, readsFromKeptWrites, shrinkHistory } from '../../../harness/shrink/shrink.js';

const kv: CheckSpec = { workload: 'kv', model: 'kv-register', checkers: ['linearizable', 'stats'], timeoutMs: 10_000 };

test('ddmin: a 1-minimal failing subset, in few tests', () => {
  const items = Array.from({ length: 200 }, (_, i) => i);
  const r = ddmin(items, (s) => s.includes(37) && s.includes(150));
  assert.equal(r.items, [37, 150]);
  assert.ok(r.tests < 100, `${r.tests} tests`);
  assert.not.ok(r.stoppedEarly);
  let calls = 0;
  const early = ddmin(
    items,
    (s) => {
      calls++;
      return s.includes(5);
    },
    { expired: () => calls >= 3 },
  );
  assert.ok(early.stoppedEarly);
  assert.ok(early.items.includes(5), 'stopping early still returns a failing set');
});

/** A linearizable history, then: write A, write B (completed), and a read answering A — a stale read. */
function withStaleRead(): HistoryEvent[] {
  const base = syntheticRegisterHistory({ seed: 3, ops: 600, clients: 6, keys: 5 });
  const p = 1000;
  const tail: Omit<HistoryEvent, 'index'>[] = [
    { type: 'invoke', process: p, f: 'write', key: 'k2', value: 'A' },
    { type: 'ok', process: p, f: 'write', key: 'k2', value: 'A' },
    { type: 'invoke', process: p + 1, f: 'read', key: 'k1', value: null },
    { type: 'ok', process: p + 1, f: 'read', key: 'k1', value: 'x' },
    { type: 'invoke', process: p, f: 'write', key: 'k2', value: 'B' },
    { type: 'ok', process: p, f: 'write', key: 'k2', value: 'B' },
    { type: 'invoke', process: p + 2, f: 'read', key: 'k2', value: null },
    { type: 'ok', process: p + 2, f: 'read', key: 'k2', value: 'A' },
  ];
  // The k1 read of 'x' needs a write of 'x' before it to be valid.
  const pre: Omit<HistoryEvent, 'index'>[] = [
    { type: 'invoke', process: p + 3, f: 'write', key: 'k1', value: 'x' },
    { type: 'ok', process: p + 3, f: 'write', key: 'k1', value: 'x' },
  ];
  const k1 = base.filter((e) => e.key === 'k1');
  // Keep k1 consistent: the planted write of 'x' goes after every other k1 operation.
  return [...base, ...(k1.length ? pre : pre), ...tail].map((e, index) => ({ ...e, index }) as HistoryEvent);
}

test('a planted stale read shrinks to write A, write B, read → A', () => {
  const events = withStaleRead();
  assert.is(runChecks(events, kv).valid, false, 'the planted history is invalid');
  const r = shrinkHistory({ events }, kv);
  assert.is(r.results.valid, false);
  assert.is(r.key, 'k2');
  assert.ok(r.after.ops <= 3, `${r.after.ops} ops`);
  assert.ok(r.before.ops > 600);
  assert.ok(readsFromKeptWrites(r.events, null), 'every read in the result saw a kept write');
  const ops = r.events.filter((e) => e.type === 'ok').map((e) => `${e.f} ${String(e.value)}`);
  assert.ok(ops.includes('read A') && ops.includes('write A') && ops.includes('write B'), ops.join(', '));
  assert.is(runChecks(r.events, r.spec).valid, false, 'the result re-checks invalid with its own spec');
  assert.equal(r.spec.checkers, ['linearizable'], 'only the checker that failed is kept');
});

test('a read of a value never written shrinks to at most that read and the operation Porcupine could not place', () => {
  const events = corruptOneRead(syntheticRegisterHistory({ seed: 9, ops: 300, clients: 4, keys: 0 }), 17);
  const spec: CheckSpec = { model: 'cas-register', checkers: ['linearizable'], timeoutMs: 10_000 };
  const r = shrinkHistory({ events }, spec);
  assert.ok(r.after.ops <= 2, `${r.after.ops} ops`);
  assert.ok(
    r.events.some((e) => e.type === 'ok' && e.value === 'never-written'),
    'the corrupted read is kept',
  );
  assert.is(r.results.valid, false);
});

test('a valid history cannot be shrunk', () => {
  const events = syntheticRegisterHistory({ seed: 4, ops: 100, clients: 3, keys: 2 });
  assert.throws(
    () => shrinkHistory({ events }, kv),
    (e: unknown) => e instanceof NotInvalidError && /valid/.test((e as Error).message),
  );
});

test('readsFromKeptWrites: a cas writes only after the value it expected could be there', () => {
  const ev = (type: HistoryEvent['type'], process: number, f: string, value: unknown): HistoryEvent => ({
    index: 0,
    type,
    process,
    f,
    value,
  });
  // cas 1→2 (pending), then read → 2 completes, then write 1: the cas could not have written 2 before the read.
  const h = [
    ev('invoke', 0, 'cas', [1, 2]),
    ev('invoke', 1, 'read', null),
    ev('ok', 1, 'read', 2),
    ev('invoke', 2, 'write', 1),
    ev('ok', 2, 'write', 1),
  ];
  assert.not.ok(readsFromKeptWrites(h, null));
  const ok = [
    ev('invoke', 2, 'write', 1),
    ev('ok', 2, 'write', 1),
    ev('invoke', 0, 'cas', [1, 2]),
    ev('invoke', 1, 'read', null),
    ev('ok', 1, 'read', 2),
  ];
  assert.ok(readsFromKeptWrites(ok, null));
});

test.run();
