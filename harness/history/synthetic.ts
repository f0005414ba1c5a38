// Histories that are linearizable by construction, for property tests and the checker benchmark: each client
// runs one operation at a time; every operation takes effect at a random instant inside its call..return
// window, and outputs are computed by applying the operations in the order of those instants to a real register.
// Changing one ok read to a value never written must then make the history non-linearizable.
import { Random } from '../generator/random.js';
import type { HistoryEvent } from './op.js';

export interface SyntheticOptions {
  seed: number;
  ops: number;
  clients: number;
  /** Number of keys; 0 = a single unkeyed register (cas-register), else kv-register ops with keys k0..k{n-1}. */
  keys: number;
  /** Fraction of operations that end in info (a timeout): they take effect or not, at random. */
  infoRate?: number;
  /** Largest value written (values are 0..maxValue-1; small values make cas succeed often). */
  maxValue?: number;
  /**
   * Unique written values, as our register and kv workloads generate them: every write and cas writes the next
   * value of a counter per key (1, 2, ...), and a cas expects the key's current value more often than not.
   * maxValue is then ignored.
   */
  unique?: boolean;
  /** Mean gap between a client's operations and mean operation length (default 3 and 4.5 time units). */
  gap?: number;
  length?: number;
}

interface Planned {
  process: number;
  f: 'read' | 'write' | 'cas';
  key?: string;
  value: unknown;
  call: number;
  ret: number;
  at: number;
  info: boolean;
  result?: unknown;
  type?: 'ok' | 'fail' | 'info';
}

export function syntheticRegisterHistory(o: SyntheticOptions): HistoryEvent[] {
  const rnd = new Random(o.seed);
  const maxValue = o.maxValue ?? 5;
  const infoRate = o.infoRate ?? 0;
  const freeAt = new Array<number>(o.clients).fill(0);
  const planned: Planned[] = [];
  let nextProcess = o.clients;
  const procOf = Array.from({ length: o.clients }, (_, i) => i);
  for (let i = 0; i < o.ops; i++) {
    const c = rnd.int(0, o.clients);
    const call = freeAt[c] + rnd.float() * (o.gap ?? 3);
    const ret = call + 0.5 + rnd.float() * ((o.length ?? 4.5) - 0.5);
    freeAt[c] = ret;
    const r = rnd.float();
    const f = r < 0.4 ? 'read' : r < 0.7 ? 'write' : 'cas';
    const value =
      f === 'read' ? null : f === 'write' ? rnd.int(0, maxValue) : [rnd.int(0, maxValue), rnd.int(0, maxValue)];
    const info = f !== 'read' && rnd.chance(infoRate);
    planned.push({
      process: procOf[c],
      f,
      key: o.keys > 0 ? `k${rnd.int(0, o.keys)}` : undefined,
      value,
      call,
      ret,
      at: call + rnd.float() * (ret - call),
      info,
    });
    // Jepsen: a process whose op is indeterminate never invokes again; a fresh process id takes its place.
    if (info) procOf[c] = nextProcess++;
  }
  // Apply in linearization order.
  const reg = new Map<string | undefined, unknown>();
  const written = new Map<string | undefined, number[]>();
  for (const p of [...planned].sort((a, b) => a.at - b.at)) {
    const cur = reg.has(p.key) ? reg.get(p.key) : null;
    if (o.unique && p.f !== 'read') {
      // The next value of this key's counter; a cas expects the current value, or an older one (and fails).
      let vs = written.get(p.key);
      if (!vs) {
        vs = [];
        written.set(p.key, vs);
      }
      const to = vs.length + 1;
      vs.push(to);
      const older = vs.length > 1 && rnd.chance(0.4) ? vs[rnd.int(0, vs.length - 1)] : cur;
      p.value = p.f === 'write' ? to : [older, to];
    }
    const happens = !p.info || rnd.chance(0.5);
    if (p.f === 'read') {
      p.result = cur;
      p.type = 'ok';
    } else if (p.f === 'write') {
      if (happens) reg.set(p.key, p.value);
      p.type = p.info ? 'info' : 'ok';
    } else {
      const [from, to] = p.value as [number, number];
      const ok = cur === from;
      if (ok && happens) reg.set(p.key, to);
      p.type = p.info ? 'info' : ok ? 'ok' : 'fail';
    }
  }
  // Events in time order; completions before invocations at equal instants never happen (times are real-valued).
  const evs: { t: number; e: Omit<HistoryEvent, 'index'> }[] = [];
  for (const p of planned) {
    const base = { process: p.process, f: p.f, ...(p.key !== undefined ? { key: p.key } : {}) };
    evs.push({ t: p.call, e: { ...base, type: 'invoke', value: p.value } });
    evs.push({ t: p.ret, e: { ...base, type: p.type!, value: p.f === 'read' ? p.result : p.value } });
  }
  evs.sort((a, b) => a.t - b.t);
  return evs.map((x, index) => ({ index, ...x.e, time: Math.round(x.t * 1e6) }) as HistoryEvent);
}

/** The same history with the `nth` ok read (counted modulo the number of ok reads) answering a value never written. */
export function corruptOneRead(events: HistoryEvent[], nth: number): HistoryEvent[] {
  const reads = events.map((e, i) => [e, i] as const).filter(([e]) => e.type === 'ok' && e.f === 'read');
  if (reads.length === 0) throw new Error('the history has no ok read to corrupt');
  const [, idx] = reads[nth % reads.length];
  return events.map((e, i) => (i === idx ? { ...e, value: 'never-written' } : e));
}

/**
 * One small change to a history that may or may not keep it linearizable, for comparing checkers: an ok read
 * answers another value that was written (or null), an ok cas becomes failed or a failed one ok, or an
 * indeterminate write or cas becomes ok. Returns the history unchanged when there is nothing to change.
 */
export function perturbHistory(events: HistoryEvent[], seed: number): HistoryEvent[] {
  const rnd = new Random(seed);
  const values: unknown[] = [null];
  for (const e of events) {
    if (e.type !== 'invoke') continue;
    if (e.f === 'write') values.push(e.value);
    if (e.f === 'cas' && Array.isArray(e.value)) values.push(e.value[1]);
  }
  const candidates = events
    .map((e, i) => [e, i] as const)
    .filter(([e]) => e.type !== 'invoke' && (e.f !== 'read' || e.type === 'ok'));
  if (candidates.length === 0) return events;
  const [target, idx] = rnd.pick(candidates);
  let changed: HistoryEvent;
  if (target.f === 'read') changed = { ...target, value: rnd.pick(values) };
  else if (target.type === 'info') changed = { ...target, type: 'ok' };
  else if (target.f === 'cas') changed = { ...target, type: target.type === 'ok' ? 'fail' : 'ok' };
  else changed = { ...target, type: 'info' };
  return events.map((e, i) => (i === idx ? changed : e));
}

/**
 * A get/put/append history over string values (Porcupine's kv model), linearizable by construction the same way
 * as the register histories: each op takes effect at a random instant of its window. Appended values are
 * distinct tokens, puts are rare; `infoRate` of the puts and appends end in info and happen or not at random.
 */
export function syntheticKvHistory(o: {
  seed: number;
  ops: number;
  clients: number;
  keys: number;
  infoRate?: number;
}): HistoryEvent[] {
  const rnd = new Random(o.seed);
  const freeAt = new Array<number>(o.clients).fill(0);
  const procOf = Array.from({ length: o.clients }, (_, i) => i);
  let nextProcess = o.clients;
  const planned: {
    process: number;
    f: 'get' | 'put' | 'append';
    key: string;
    value: string;
    call: number;
    ret: number;
    at: number;
    info: boolean;
    result?: string;
  }[] = [];
  for (let i = 0; i < o.ops; i++) {
    const c = rnd.int(0, o.clients);
    const call = freeAt[c] + rnd.float() * 2;
    const ret = call + 0.5 + rnd.float() * 4;
    freeAt[c] = ret;
    const r = rnd.float();
    const f = r < 0.45 ? 'get' : r < 0.93 ? 'append' : 'put';
    const info = f !== 'get' && rnd.chance(o.infoRate ?? 0);
    planned.push({
      process: procOf[c],
      f,
      key: `k${rnd.int(0, o.keys)}`,
      value: f === 'get' ? '' : `x${i}y`,
      call,
      ret,
      at: call + rnd.float() * (ret - call),
      info,
    });
    if (info) procOf[c] = nextProcess++;
  }
  const store = new Map<string, string>();
  for (const p of [...planned].sort((a, b) => a.at - b.at)) {
    const cur = store.get(p.key) ?? '';
    if (p.f === 'get') p.result = cur;
    else if (!p.info || rnd.chance(0.5)) store.set(p.key, p.f === 'put' ? p.value : cur + p.value);
  }
  const evs: { t: number; e: Omit<HistoryEvent, 'index'> }[] = [];
  for (const p of planned) {
    evs.push({
      t: p.call,
      e: { process: p.process, f: p.f, key: p.key, type: 'invoke', value: p.f === 'get' ? null : p.value },
    });
    evs.push({
      t: p.ret,
      e: {
        process: p.process,
        f: p.f,
        key: p.key,
        type: p.info ? 'info' : 'ok',
        value: p.f === 'get' ? p.result : p.value,
      },
    });
  }
  evs.sort((a, b) => a.t - b.t);
  return evs.map((x, index) => ({ index, ...x.e }) as HistoryEvent);
}
