import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LockMachine } from '../../../system/lock/machine.js';
import { KvMachine } from '../../../system/kv/machine.js';

test('acquire grants a token = the log index; a second owner is refused; release frees', () => {
  const m = new LockMachine();
  assert.equal(m.apply({ op: 'acquire', name: 'L', owner: 'a', ttlMs: 1000 }, 5), { ok: true, token: 5, holder: 'a' });
  assert.equal(m.apply({ op: 'acquire', name: 'L', owner: 'b', ttlMs: 1000 }, 6), {
    ok: false,
    error: 'held',
    holder: 'a',
    token: 5,
  });
  assert.equal(
    m.apply({ op: 'acquire', name: 'L', owner: 'a', ttlMs: 1000 }, 7),
    { ok: true, token: 5, holder: 'a' },
    'a retried acquire',
  );
  assert.equal(m.apply({ op: 'release', name: 'L', owner: 'b', token: 5 }, 8), { ok: false, error: 'not-holder' });
  assert.equal(m.apply({ op: 'release', name: 'L', owner: 'a', token: 5 }, 9), { ok: true, token: 5, holder: 'a' });
  assert.equal(m.apply({ op: 'acquire', name: 'L', owner: 'b', ttlMs: 1000 }, 10), {
    ok: true,
    token: 10,
    holder: 'b',
  });
});

test('expire frees only the grant it names; the clock is never read without the bug', () => {
  let now = 0;
  const m = new LockMachine({ now: () => now });
  m.apply({ op: 'acquire', name: 'L', owner: 'a', ttlMs: 10 }, 1);
  now = 1_000_000; // far past the ttl: still held, only an expire entry ends it
  assert.equal(m.apply({ op: 'acquire', name: 'L', owner: 'b', ttlMs: 10 }, 2).ok, false);
  m.apply({ op: 'expire', name: 'L', token: 99 }, 3);
  assert.equal(m.apply({ op: 'acquire', name: 'L', owner: 'b', ttlMs: 10 }, 4).ok, false);
  m.apply({ op: 'expire', name: 'L', token: 1 }, 5);
  assert.equal(m.apply({ op: 'acquire', name: 'L', owner: 'b', ttlMs: 10 }, 6), { ok: true, token: 6, holder: 'b' });
});

test('planted lease-local-clock: replicas with different clocks disagree on the holder', () => {
  let skewed = 0;
  const honest = new LockMachine({ localClockLeases: true, now: () => 0 });
  const fast = new LockMachine({ localClockLeases: true, now: () => skewed });
  for (const m of [honest, fast]) m.apply({ op: 'acquire', name: 'L', owner: 'a', ttlMs: 100 }, 1);
  skewed = 10_000;
  assert.equal(honest.apply({ op: 'acquire', name: 'L', owner: 'b', ttlMs: 100 }, 2).ok, false);
  assert.equal(fast.apply({ op: 'acquire', name: 'L', owner: 'b', ttlMs: 100 }, 2).ok, true);
});

test(
  "planted release-any-owner: a stale holder's release frees the next holder's grant, " +
    'and a third process gets it too',
  () => {
    for (const bug of [false, true]) {
      const m = new LockMachine({ releaseAnyOwner: bug });
      m.apply({ op: 'acquire', name: 'L', owner: 'a', ttlMs: 10 }, 1);
      m.apply({ op: 'expire', name: 'L', token: 1 }, 2); // a paused past its lease
      assert.equal(m.apply({ op: 'acquire', name: 'L', owner: 'b', ttlMs: 10 }, 3), {
        ok: true,
        token: 3,
        holder: 'b',
      });
      const late = m.apply({ op: 'release', name: 'L', owner: 'a', token: 1 }, 4); // a wakes and unlocks
      const c = m.apply({ op: 'acquire', name: 'L', owner: 'c', ttlMs: 10 }, 5);
      if (bug) {
        assert.equal(late, { ok: true, token: 1, holder: 'a' });
        assert.equal(c, { ok: true, token: 5, holder: 'c' }, 'b never released, yet c holds the lock too');
      } else {
        assert.equal(late, { ok: false, error: 'not-holder' });
        assert.equal(c, { ok: false, error: 'held', holder: 'b', token: 3 });
      }
    }
    const free = new LockMachine({ releaseAnyOwner: true });
    assert.equal(
      free.apply({ op: 'release', name: 'L', owner: 'a', token: 1 }, 1),
      { ok: false, error: 'not-holder' },
      'nothing to release',
    );
  },
);

test('kv store fencing: lower tokens are rejected per lock name', () => {
  const kv = new KvMachine();
  assert.equal(kv.apply({ op: 'write', key: 'x', value: 1, fence: { lock: 'L', token: 5 } }, 1), {
    ok: true,
    index: 1,
  });
  assert.equal(kv.apply({ op: 'write', key: 'x', value: 2, fence: { lock: 'L', token: 3 } }, 2), {
    ok: false,
    error: 'fenced',
    highest: 5,
  });
  assert.equal(kv.apply({ op: 'write', key: 'x', value: 3, fence: { lock: 'M', token: 1 } }, 3), {
    ok: true,
    index: 3,
  });
  assert.is(kv.read('x'), 3);
});

test('kv sessions: a retried write applies once', () => {
  const kv = new KvMachine();
  kv.apply({ op: 'write', key: 'x', value: 1, client: 'c', seq: 1 }, 1);
  kv.apply({ op: 'write', key: 'x', value: 2, client: 'c', seq: 2 }, 2);
  assert.equal(kv.apply({ op: 'write', key: 'x', value: 1, client: 'c', seq: 1 }, 3), { ok: true, index: 2 });
  assert.is(kv.read('x'), 2);
  const copy = new KvMachine();
  copy.restore(kv.snapshot());
  assert.is(copy.read('x'), 2);
  assert.equal(copy.apply({ op: 'write', key: 'x', value: 9, client: 'c', seq: 2 }, 4), { ok: true, index: 2 });
});

test.run();
