// `faultline shrink --model list-append|rw-register PATH`: the transactional shrinker (harness/shrink/txn-shrink.ts)
// from the command line, with `check`'s Elle flags (the same consistency models and anomalies decide). Writes
// DIR/history.jsonl (our format, its header naming the anomaly and the input) and DIR/history.edn (Jepsen's EDN,
// what Elle and elle-cli read); both are re-read and re-checked the way `check --model` reads, so what this prints
// is what `faultline check --model list-append DIR/history.jsonl` will say.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { checkTxn } from '../checker/txn/check.js';
import type { TxnModel } from '../checker/txn/types.js';
import { HistoryError } from '../history/op.js';
import type { FormatName } from '../history/readers/index.js';
import { toEdn, toJsonl } from '../history/readers/write.js';
import { NotInvalidError } from '../shrink/shrink.js';
import { shrinkTxnHistory, type TxnShrinkResult } from '../shrink/txn-shrink.js';
import { writeFileAtomic } from '../store/files.js';
import { readHistory } from '../store/folder.js';
import { txnOptions, txnText, type TxnArgs } from './check-txn.js';
import { safeText } from './errors.js';

export interface ShrinkTxnArgs extends Omit<TxnArgs, 'paths' | 'json' | 'timeout'> {
  path: string;
  out: string;
  format?: FormatName;
  budget: number;
  json: boolean;
}

/** Shrinks, writes both files, re-checks them; prints a summary. Throws HistoryError on input that is not invalid. */
export async function shrinkTxnPath(a: ShrinkTxnArgs): Promise<void> {
  const model = a.model as TxnModel;
  const opts = txnOptions({ ...a, paths: [a.path], json: a.json });
  const history = await readHistory(a.path, a.format);
  let r: TxnShrinkResult;
  try {
    r = shrinkTxnHistory(history.events, model, opts, { budgetMs: a.budget * 1000 });
  } catch (e) {
    if (e instanceof NotInvalidError) throw new HistoryError(e.message, a.path);
    throw e;
  }
  const out = resolve(a.out);
  mkdirSync(out, { recursive: true });
  const header = { txnModel: model, anomaly: r.anomaly, shrunkFrom: resolve(a.path) };
  const jsonl = join(out, 'history.jsonl');
  const edn = join(out, 'history.edn');
  writeFileAtomic(jsonl, toJsonl({ header, events: r.events }));
  writeFileAtomic(edn, toEdn({ events: r.events }));
  // Read back as `check --model` reads (columns), so a writer/reader mismatch cannot pass unnoticed.
  for (const f of [jsonl, edn]) {
    const h = await readHistory(f, undefined, { txns: true });
    if (!checkTxn(h.events, model, opts, f, h.txns).anomalyTypes.includes(r.anomaly))
      throw new Error(`internal: ${f} does not re-check as ${r.anomaly}`);
  }
  const budgetNote =
    r.stoppedBy === 'time'
      ? ' (time budget ran out: smallest so far)'
      : r.stoppedBy === 'checks'
        ? ' (check budget ran out: smallest so far)'
        : '';
  if (a.json) {
    const summary = {
      out,
      anomaly: r.anomaly,
      before: r.before,
      after: r.after,
      checks: r.checks,
      ms: Math.round(r.ms),
      stoppedBy: r.stoppedBy ?? null,
    };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return;
  }
  const head =
    `shrunk ${r.before.txns} transactions to ${r.after.txns} still showing ${r.anomaly}` +
    ` in ${(r.ms / 1000).toFixed(2)} s, ${r.checks} checks${budgetNote}`;
  process.stdout.write(`${safeText(head)}\n${txnText(jsonl, r.result)}\n${safeText(edn)}\n`);
}
