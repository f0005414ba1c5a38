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
    const call = freeAt[c] + rnd.float() * 3;
    const ret = call + 0.5 + rnd.float() * 4;
    freeAt[c] = ret;
    const r = rnd.float();
    const f = r < 0.4 ? 'read' : r < 0.7 ? 'write' : 'cas';
    const value = f === 'read' ? null : f === 'write' ? rnd.int(0, maxValue) : [rnd.int(0, maxValue), rnd.int(0, maxValue)];
    const info = f !== 'read' && rnd.chance(infoRate);
    planned.push({ process: procOf[c], f, key: o.keys > 0 ? `k${rnd.int(0, o.keys)}` : undefined, value, call, ret, at: call + rnd.float() * (ret - call), info });
    // Jepsen: a process whose op is indeterminate never invokes again; a fresh process id takes its place.
    if (info) procOf[c] = nextProcess++;
  }
  // Apply in linearization order.
  const reg = new Map<string | undefined, unknown>();
  for (const p of [...planned].sort((a, b) => a.at - b.at)) {
    const cur = reg.has(p.key) ? reg.get(p.key) : null;
    const happens = !p.info || rnd.chance(0.5);
    if (p.f === 'read') { p.result = cur; p.type = 'ok'; }
    else if (p.f === 'write') { if (happens) reg.set(p.key, p.value); p.type = p.info ? 'info' : 'ok'; }
    else {
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
