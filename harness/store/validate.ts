// A run folder's test.json and results.json are inputs like any other file: `faultline report` may be pointed at
// a folder someone sent. Before anything is rendered, each is checked against the shape the report reads, and
// the first mismatch is a one-line error naming the file and the field ("results.json: checkers[1].ms must be a
// number"), instead of a TypeError or, worse, a page built from whatever the file held.
import type { Results } from '../checker/results.js';
import { HistoryError } from '../history/op.js';
import { showValue } from '../history/show.js';
import type { Test } from './test.js';

type Obj = Record<string, unknown>;

class Check {
  constructor(private readonly file: string) {}
  fail(at: string, what: string, v: unknown): never {
    throw new HistoryError(`${at} must be ${what}, got ${showValue(v, 40)}`, this.file);
  }
  obj(v: unknown, at: string): Obj {
    if (!v || typeof v !== 'object' || Array.isArray(v)) this.fail(at, 'an object', v);
    return v as Obj;
  }
  arr(v: unknown, at: string): unknown[] {
    if (!Array.isArray(v)) this.fail(at, 'an array', v);
    return v as unknown[];
  }
  str(v: unknown, at: string, optional = false): void {
    if (optional && v === undefined) return;
    if (typeof v !== 'string') this.fail(at, 'a string', v);
  }
  num(v: unknown, at: string, optional = false): void {
    if (optional && v === undefined) return;
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(at, 'a finite number', v);
  }
  int(v: unknown, at: string, below?: number): void {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || (below !== undefined && v >= below)) {
      this.fail(at, below !== undefined ? `an integer from 0 to ${below - 1}` : 'a non-negative integer', v);
    }
  }
  validity(v: unknown, at: string): void {
    if (v !== true && v !== false && v !== 'unknown') this.fail(at, 'true, false or "unknown"', v);
  }
}

const VERDICTS = new Set(['ok', 'illegal', 'unknown']);

function partition(c: Check, p: unknown, at: string): void {
  const o = c.obj(p, at);
  if (!VERDICTS.has(o.verdict as string)) c.fail(`${at}.verdict`, '"ok", "illegal" or "unknown"', o.verdict);
  const ops = c.arr(o.ops, `${at}.ops`);
  ops.forEach((op, i) => {
    const x = c.obj(op, `${at}.ops[${i}]`);
    c.int(x.clientId, `${at}.ops[${i}].clientId`);
    c.num(x.call, `${at}.ops[${i}].call`);
    // JSON has no Infinity: an open-ended return is written as null.
    if (x.ret !== null) c.num(x.ret, `${at}.ops[${i}].ret`);
    c.obj(x.input, `${at}.ops[${i}].input`);
    c.obj(x.output, `${at}.ops[${i}].output`);
  });
  if (o.longest !== undefined) {
    c.arr(o.longest, `${at}.longest`).forEach((l, i) => {
      const x = c.obj(l, `${at}.longest[${i}]`);
      const order = c.arr(x.order, `${at}.longest[${i}].order`);
      for (const [j, k] of order.entries()) c.int(k, `${at}.longest[${i}].order[${j}]`, ops.length);
      const states = c.arr(x.states, `${at}.longest[${i}].states`);
      if (states.length < order.length)
        c.fail(`${at}.longest[${i}].states`, `at least ${order.length} states`, states.length);
      for (const [j, s] of states.entries()) c.str(s, `${at}.longest[${i}].states[${j}]`);
    });
  }
  if (o.offending !== undefined)
    for (const [j, k] of c.arr(o.offending, `${at}.offending`).entries()) c.int(k, `${at}.offending[${j}]`, ops.length);
  c.num(o.ms, `${at}.ms`, true);
  c.num(o.steps, `${at}.steps`, true);
}

/** Checks results.json's shape; returns it typed. */
export function validateResults(v: unknown, file: string): Results {
  const c = new Check(file);
  const r = c.obj(v, 'results.json');
  c.validity(r.valid, 'valid');
  c.arr(r.checkers, 'checkers').forEach((x, i) => {
    const at = `checkers[${i}]`;
    const k = c.obj(x, at);
    c.str(k.checker, `${at}.checker`);
    c.validity(k.valid, `${at}.valid`);
    c.num(k.ops, `${at}.ops`);
    c.num(k.ms, `${at}.ms`);
    c.str(k.model, `${at}.model`, true);
    c.num(k.partitions, `${at}.partitions`, true);
    c.str(k.error, `${at}.error`, true);
    if (k.details !== undefined && k.details !== null) {
      const d = c.obj(k.details, `${at}.details`);
      if (d.byF !== undefined) {
        for (const [f, s] of Object.entries(c.obj(d.byF, `${at}.details.byF`))) {
          const so = c.obj(s, `${at}.details.byF.${f}`);
          for (const t of ['ok', 'fail', 'info']) c.int(so[t], `${at}.details.byF.${f}.${t}`);
        }
      }
      if (d.problems !== undefined) c.arr(d.problems, `${at}.details.problems`);
      c.num(d.problemCount, `${at}.details.problemCount`, true);
    }
    if (k.linearizability !== undefined) {
      const l = c.obj(k.linearizability, `${at}.linearizability`);
      for (const [j, p] of c.arr(l.partitions, `${at}.linearizability.partitions`).entries())
        partition(c, p, `${at}.linearizability.partitions[${j}]`);
    }
  });
  return r as unknown as Results;
}

/** Checks test.json's shape (what the report and the re-check read); returns it typed. */
export function validateTest(v: unknown, file: string): Test {
  const c = new Check(file);
  const t = c.obj(v, 'test.json');
  c.str(t.name, 'name');
  c.str(t.runtime, 'runtime');
  c.str(t.startedAt, 'startedAt');
  c.str(t.finishedAt, 'finishedAt', true);
  c.str(t.interrupted, 'interrupted', true);
  c.str(t.error, 'error', true);
  c.str(t.command, 'command', true);
  if (t.checks !== undefined) {
    const k = c.obj(t.checks, 'checks');
    for (const [i, x] of c.arr(k.checkers, 'checks.checkers').entries()) c.str(x, `checks.checkers[${i}]`);
    c.str(k.model, 'checks.model', true);
    c.str(k.workload, 'checks.workload', true);
    c.num(k.timeoutMs, 'checks.timeoutMs', true);
  }
  const o = c.obj(t.options, 'options');
  c.str(o.workload, 'options.workload', true);
  c.num(o.checkTimeoutS, 'options.checkTimeoutS', true);
  const ver = c.obj(t.versions, 'versions');
  c.str(ver.node, 'versions.node');
  c.arr(t.nodes, 'nodes').forEach((n, i) => {
    const x = c.obj(n, `nodes[${i}]`);
    c.str(x.name, `nodes[${i}].name`);
    if (!/^[A-Za-z0-9_.-]+$/.test(x.name as string))
      c.fail(`nodes[${i}].name`, 'a plain node name ([A-Za-z0-9_.-])', x.name);
  });
  return t as unknown as Test;
}
