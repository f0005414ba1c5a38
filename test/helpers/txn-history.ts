// Small transactional histories for the shrinker's tests: an anomaly's own transactions (as JSON micro-ops) with
// serial noise around them on keys of their own, so a shrink has something to remove and nothing else to find.
import type { HistoryEvent } from '../../harness/history/op.js';
import { parseHistory } from '../../harness/history/readers/index.js';

export type Mop = [string, string | number, unknown];

/** One completed transaction: its invoke (reads as nil) and its ok. */
export function txn(process: number, mops: Mop[]): object[] {
  const invoke = mops.map(([f, k, v]) => [f, k, f === 'r' ? null : v]);
  return [
    { type: 'invoke', process, f: 'txn', value: invoke },
    { type: 'ok', process, f: 'txn', value: mops },
  ];
}

/**
 * `count` serial transactions of process `process` on keys of their own (`${prefix}0`, `${prefix}1`): each
 * appends (list-append) or writes (rw-register) a fresh value and reads the other key, showing everything
 * before it, so they hold no anomaly among themselves.
 */
export function noise(model: 'list-append' | 'rw-register', process: number, count: number, prefix: string): object[] {
  const out: object[] = [];
  const lists: number[][] = [[], []];
  for (let i = 0; i < count; i++) {
    const k = i % 2;
    const v = 1000 + i;
    if (model === 'list-append') {
      lists[k].push(v);
      out.push(
        ...txn(process, [
          ['append', `${prefix}${k}`, v],
          ['r', `${prefix}${1 - k}`, [...lists[1 - k]]],
        ]),
      );
    } else {
      lists[k] = [v];
      out.push(
        ...txn(process, [
          ['w', `${prefix}${k}`, v],
          ['r', `${prefix}${1 - k}`, lists[1 - k][0] ?? null],
        ]),
      );
    }
  }
  return out;
}

/** Two transactions that each read the other's write of x and y: a G1c cycle of wr edges alone. */
export function readEachOther(model: 'list-append' | 'rw-register'): object[] {
  const w = model === 'list-append' ? 'append' : 'w';
  const seen = model === 'list-append' ? [1] : 1;
  return [
    ...txn(3, [
      [w, 'x', 1],
      ['r', 'y', seen],
    ]),
    ...txn(4, [
      [w, 'y', 1],
      ['r', 'x', seen],
    ]),
  ];
}

/** The events of these ops, read as a JSONL history file is (indexes assigned in order). */
export function eventsOf(ops: object[]): HistoryEvent[] {
  return parseHistory(jsonlOf(ops), { format: 'jsonl' }).events;
}

export function jsonlOf(ops: object[]): string {
  return `${ops.map((o, index) => JSON.stringify({ index, ...o })).join('\n')}\n`;
}

/** The Elle paper's example (elle-cli's paper-example, process 1): a G-single-item of its last three. */
export function paperExample(): object[] {
  return [
    ...txn(1, [
      ['append', 253, 1],
      ['append', 253, 3],
      ['append', 253, 4],
      ['append', 255, 2],
      ['append', 255, 3],
      ['append', 255, 4],
      ['append', 255, 5],
      ['append', 256, 1],
      ['append', 256, 2],
    ]),
    ...txn(1, [
      ['append', 255, 8],
      ['r', 253, [1, 3, 4]],
    ]),
    ...txn(1, [
      ['append', 256, 4],
      ['r', 255, [2, 3, 4, 5, 8]],
      ['r', 256, [1, 2, 4]],
      ['r', 253, [1, 3, 4]],
    ]),
    ...txn(1, [
      ['append', 250, 10],
      ['r', 253, [1, 3, 4]],
      ['r', 255, [2, 3, 4, 5]],
      ['append', 256, 3],
    ]),
  ];
}
