// lock and fenced-counter on etcd's v3 lock service (etcd's v3lock: a key <name>/<lease id> attached to a lease;
// the oldest such key holds the lock). acquire = lease grant (TTL from the workload's lease) + /v3/lock/lock,
// whose answer names our lock key; the token is that key's create revision, which grows with every grant of
// the same name, so it serves as a fencing token (Kleppmann, "How to do distributed locking", 2016).
// etcd 3.4's lock call can answer with a key whose lease expired while it waited (the key is gone): the range
// that reads the token finds nothing then, and the acquire is recorded unknown (docs/targets/etcd.md).
//
// release is a txn that deletes our lock key only if it is still ours (compare CREATE = token), then revokes the
// lease. etcd's own /v3/lock/unlock deletes the key blindly and answers ok even when the lease had expired and
// someone else holds the lock, which would record a release that never released anything.
//
// Fenced access (fenced-counter): the counter is read and written in txns that compare the lock key's create
// revision with our token, so a holder whose lease lapsed while it stalled can no longer write. With
// --target-opt fence=none they are a plain range and put: then etcd's lock alone must keep holders apart.
import type { OpSpec } from '../../../harness/generator/generator.js';
import type { Client, Completion } from '../../../workloads/types.js';
import { b64, decodeKvs, encodeValue, type Gateway } from '../gateway.js';
import { failed } from './kv.js';

interface Hold {
  key: string;
  lease: string;
  token: number;
}

export class EtcdLockClient implements Client {
  /** Lock name → what this process holds. */
  private readonly held = new Map<string, Hold>();

  constructor(
    private readonly gw: Gateway,
    private readonly ttlS: number,
    private readonly fence: boolean,
    private readonly timeoutMs: number,
  ) {}

  async invoke(op: OpSpec): Promise<Completion> {
    const name = op.key ?? 'lock';
    if (op.f === 'acquire') return this.acquire(name);
    if (op.f === 'release') return this.release(name);
    // fenced-counter's driver puts the token it holds on the op (the read's value, the write's `token`).
    const token = (op as OpSpec & { token?: unknown }).token ?? (op.value as { token?: unknown } | undefined)?.token;
    if (op.f === 'read') return this.read(op.key ?? 'counter', token);
    if (op.f === 'write') return this.write(op.key ?? 'counter', op.value, token);
    return { type: 'fail', error: `unknown op ${op.f}` };
  }

  private async acquire(name: string): Promise<Completion> {
    const mine = this.held.get(name);
    if (mine) return { type: 'ok', value: mine.token }; // already ours (the mutex model allows re-acquiring)
    // etcd 3.4's lock call blocks until granted, so against a held lock it would run into our timeout and have
    // to be recorded as unknown. Look first: a lock someone holds is a definite fail with nothing attempted.
    // (Only a hint: it may be freed or taken right after, and then the lock call decides.)
    const holder = await this.gw.call('/v3/kv/range', {
      key: b64(`${name}/`),
      range_end: b64(`${name}0`),
      count_only: true,
      serializable: true,
    });
    if (holder.ok && Number(holder.body.count ?? 0) > 0) return { type: 'fail', error: 'held' };
    const g = await this.gw.call('/v3/lease/grant', { TTL: this.ttlS });
    if (!g.ok) return { type: 'fail', error: `lease grant: ${g.error}` }; // no lock key exists yet
    const lease = String(g.body.ID);
    const l = await this.gw.call('/v3/lock/lock', { name: b64(name), lease });
    if (!l.ok) {
      if (l.definite) return { type: 'fail', error: l.error };
      await this.revoke(lease); // it may have been granted: give it back rather than block others for a TTL
      return { type: 'info', error: l.error };
    }
    const key = String(l.body.key);
    const r = await this.gw.call('/v3/kv/range', { key });
    const rev = r.ok ? decodeKvs(r.body).createRevision : undefined;
    if (rev === undefined) {
      // Granted, but the token is unknown (or the lease already expired): unusable, so give it back.
      await this.revoke(lease);
      return { type: 'info', error: r.ok ? 'lock key vanished' : `token: ${r.error}` };
    }
    const token = Number(rev);
    this.held.set(name, { key, lease, token });
    return { type: 'ok', value: token };
  }

  private async release(name: string): Promise<Completion> {
    const h = this.held.get(name);
    if (!h) return { type: 'fail', error: 'not-held' }; // nothing sent
    const r = await this.gw.call('/v3/kv/txn', {
      compare: [{ key: h.key, target: 'CREATE', result: 'EQUAL', create_revision: String(h.token) }],
      success: [{ requestDeleteRange: { key: h.key } }],
      failure: [],
    });
    if (!r.ok) return { ...failed(r, false), value: h.token };
    this.held.delete(name);
    await this.revoke(h.lease);
    return r.body.succeeded === true
      ? { type: 'ok', value: h.token }
      : { type: 'fail', value: h.token, error: 'not-holder (lease expired)' };
  }

  private ownership(token: unknown): { key: string; token: string } | undefined {
    const h = [...this.held.values()].find((x) => x.token === token);
    return h ? { key: h.key, token: String(h.token) } : undefined;
  }

  private async read(counter: string, token: unknown): Promise<Completion> {
    const key = b64(counter);
    if (!this.fence) {
      const r = await this.gw.call('/v3/kv/range', { key });
      return r.ok ? { type: 'ok', value: decodeKvs(r.body).value } : failed(r, true);
    }
    const own = this.ownership(token);
    if (!own) return { type: 'fail', error: 'not-held' };
    const r = await this.gw.call('/v3/kv/txn', {
      compare: [{ key: own.key, target: 'CREATE', result: 'EQUAL', create_revision: own.token }],
      success: [{ requestRange: { key } }],
      failure: [],
    });
    if (!r.ok) return failed(r, true);
    if (r.body.succeeded !== true) return { type: 'fail', error: 'fenced' };
    const resp =
      (r.body.responses as { response_range?: Record<string, unknown> }[] | undefined)?.[0]?.response_range ?? {};
    return { type: 'ok', value: decodeKvs(resp).value };
  }

  private async write(counter: string, value: unknown, token: unknown): Promise<Completion> {
    const key = b64(counter);
    if (!this.fence) {
      const r = await this.gw.call('/v3/kv/put', { key, value: encodeValue(value) });
      return r.ok ? { type: 'ok' } : failed(r, false);
    }
    const own = this.ownership(token);
    if (!own) return { type: 'fail', error: 'not-held' };
    const r = await this.gw.call('/v3/kv/txn', {
      compare: [{ key: own.key, target: 'CREATE', result: 'EQUAL', create_revision: own.token }],
      success: [{ requestPut: { key, value: encodeValue(value) } }],
      failure: [],
    });
    if (!r.ok) return failed(r, false);
    return r.body.succeeded === true ? { type: 'ok' } : { type: 'fail', error: 'fenced' };
  }

  /** Best effort: a lease that cannot be revoked now expires by its TTL. */
  private async revoke(lease: string): Promise<void> {
    await this.gw.call('/v3/lease/revoke', { ID: lease }, Math.min(1000, this.timeoutMs));
  }

  close(): void {
    this.gw.close();
  }
}
