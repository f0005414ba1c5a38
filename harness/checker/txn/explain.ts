// Cycles explained for a person who has not read Elle's paper: the transactions named T1, T2, ... with their
// history indexes, and one sentence per step saying why one precedes the next (elle.core explain-cycle, reworded).
import { showTxn, showTxnValue } from '../../history/txn.js';
import { edgeMask, type Csr } from './graph.js';
import { txnIndexField, type TxnIndex, txnValue } from './history-index.js';
import { PROCESS, REALTIME, relNames, RW, WR, WW } from './rels.js';
import type { CycleAnomaly, CycleStep, Inference, TxnModel, TxnRef } from './types.js';

const TYPE_NAMES = ['ok', 'info', 'fail'] as const;

/** The kind that explains a step, in the order of Elle's combined explainer: data first, then process/realtime. */
export function chooseRel(mask: number, priority: readonly number[]): number {
  for (const r of priority) if (mask & r) return r;
  if (mask & PROCESS) return PROCESS;
  if (mask & REALTIME) return REALTIME;
  return 0;
}

export function txnRef(x: TxnIndex, t: number, name: string): TxnRef {
  return {
    name,
    index: txnIndexField(x, t),
    invokeIndex: x.events[x.invokePos[t]].index,
    process: x.process[t],
    type: TYPE_NAMES[x.type[t]],
    value: txnValue(x, t),
  };
}

function sentence(
  model: TxnModel,
  rel: number,
  a: TxnRef,
  b: TxnRef,
  d: { key?: unknown; value?: unknown; value2?: unknown },
): string {
  const A = a.name;
  const B = b.name;
  const so = `so ${A} precedes ${B}`;
  const k = showTxnValue(d.key);
  const v = showTxnValue(d.value);
  const v2 = showTxnValue(d.value2);
  if (rel === PROCESS) return `process ${a.process} ran ${A} before ${B}, ${so}`;
  if (rel === REALTIME)
    return `${A} completed (index ${a.index}) before ${B} was invoked (index ${b.invokeIndex}), ${so}`;
  if (model === 'list-append') {
    if (rel === WR) return `${B} read ${A}'s append of ${v} to key ${k}, ${so}`;
    if (rel === WW) return `${B} appended ${v2} to key ${k} right after ${A}'s append of ${v}, ${so}`;
    if (d.value === undefined) return `${A} read key ${k} as empty, before ${B}'s append of ${v2}, ${so}`;
    return `${A} read key ${k} up to ${v}, without ${B}'s append of ${v2} that came next, ${so}`;
  }
  if (rel === WR) return `${B} read key ${k} = ${v}, which ${A} wrote, ${so}`;
  if (rel === WW) return `${A} set key ${k} to ${v} and ${B} set it to ${v2}, a later version, ${so}`;
  return `${A} read key ${k} = ${v} and ${B} set it to ${v2}, a later version, ${so}`;
}

/** Explains a cycle of transactions (global ids, in order; it closes back to the first) found in `g` (local ids). */
export function explainCycle(
  model: TxnModel,
  x: TxnIndex,
  inf: Inference,
  type: string,
  cycle: readonly number[],
  g: Csr,
  local: readonly number[],
): CycleAnomaly {
  const txns = cycle.map((t, i) => txnRef(x, t, `T${i + 1}`));
  const steps: CycleStep[] = [];
  const edges: { from: string; to: string; rels: string[] }[] = [];
  for (let i = 0; i < cycle.length; i++) {
    const j = (i + 1) % cycle.length;
    const mask = edgeMask(g, local[i], local[j]);
    const rel = chooseRel(mask, inf.priority);
    const d = rel === WW || rel === WR || rel === RW ? (inf.explain(cycle[i], cycle[j], rel) ?? {}) : {};
    steps.push({
      from: i,
      to: j,
      rel: relNames(rel)[0] ?? '?',
      rels: relNames(mask),
      ...d,
      text: sentence(model, rel, txns[i], txns[j], d),
    });
    edges.push({ from: txns[i].name, to: txns[j].name, rels: relNames(mask) });
  }
  return { type, txns, steps, graph: { nodes: txns.map((t) => ({ id: t.name, index: t.index })), edges } };
}

/** The cycle as lines of text: who T1.. are, then each step, the last one closing the cycle. */
export function cycleText(c: CycleAnomaly): string[] {
  const lines = c.txns.map((t) => `  ${t.name} = op ${t.index} (process ${t.process}, ${t.type}): ${showTxn(t.value)}`);
  c.steps.forEach((s, i) => {
    const last = i === c.steps.length - 1;
    lines.push(`  - ${last ? 'and ' : ''}${s.text}${last ? ', which closes the cycle: no order of them exists' : ''}`);
  });
  return lines;
}
