// What a run says while its load runs: the periodic sample ("12/30 s  ok 812  fail 3  info 0  partition active")
// and, for logs with no live line (CI), one line per fault start and stop as the nemesis records it
// ("  12.4s  fault start partition isolate-one [n2 ✗ n1,n3]"). Pure functions of what they are given, so the
// wording is tested without a cluster.
import type { NewEvent } from '../history/writer.js';

/** A line never grows past this (a fault's value can list every shard of a cluster). */
const MAX_LINE = 200;

const clip = (s: string): string => (s.length > MAX_LINE ? `${s.slice(0, MAX_LINE - 1)}…` : s);

export interface Sample {
  elapsedS: number;
  limitS: number;
  counts: { ok: number; fail: number; info: number };
  /** Kinds of the faults active now. */
  active: readonly string[];
}

/**
 * The periodic sample. The load's clock is clamped to the time limit: past it the workers are finishing their
 * last operations (up to an op timeout), which is not more load, so the counter never reads "31/30 s".
 */
export function sampleLine(s: Sample): string {
  const t = Math.min(Math.max(0, Math.floor(s.elapsedS)), s.limitS);
  const faults = s.active.length ? `${s.active.join('+')} active` : 'no fault';
  return `${t}/${s.limitS} s  ok ${s.counts.ok}  fail ${s.counts.fail}  info ${s.counts.info}  ${faults}`;
}

const words = (xs: unknown[]): string => xs.map(String).join(' ');

/** What a fault was done to: the partition's cut, else the nodes or the node it names. */
function targets(v: Record<string, unknown>): string {
  if (typeof v.cut === 'string') return `[${v.cut}]`;
  if (Array.isArray(v.nodes)) return `[${words(v.nodes)}]`;
  if (typeof v.node === 'string') return `[${v.node}]`;
  return '';
}

/** What a stop or heal says it did: flags and lists of nodes ("healed", "restarted n2"); nested detail left out. */
function outcome(v: unknown): string {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return v === undefined ? '' : String(v);
  const parts: string[] = [];
  for (const [k, x] of Object.entries(v)) {
    if (x === true) parts.push(k);
    else if (Array.isArray(x) && x.every((e) => typeof e !== 'object')) parts.push(`${k} ${words(x)}`);
    else if (typeof x === 'string' || typeof x === 'number') parts.push(`${k} ${x}`);
  }
  return parts.join(', ');
}

/**
 * The line for a nemesis event, or undefined for an event that is not a completed fault transition (a client's,
 * or the nemesis's invoke: the line is printed when the start or stop has been done, with what it did).
 */
export function faultLine(elapsedS: number, e: NewEvent): string | undefined {
  if (e.process !== 'nemesis' || e.type !== 'info') return undefined;
  const m = /^(start|stop|heal)-(.+)$/.exec(String(e.f));
  if (!m) return undefined;
  const verb = m[1];
  const kind = m[2];
  const at = `${elapsedS.toFixed(1)}s`.padStart(8);
  const what = verb === 'start' ? 'fault start' : verb === 'stop' ? 'fault stop ' : 'heal       ';
  if (e.error !== undefined) return clip(`${at}  ${what} ${kind} failed: ${String(e.error).split('\n')[0]}`);
  const v = e.value;
  if (verb === 'start' && v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    const shape = typeof o.shape === 'string' ? o.shape : typeof o.mode === 'string' ? o.mode : '';
    return clip([`${at}  ${what} ${kind}`, shape, targets(o)].filter(Boolean).join(' '));
  }
  const done = outcome(v);
  return clip(`${at}  ${what} ${kind}${done ? ` (${done})` : ''}`);
}
