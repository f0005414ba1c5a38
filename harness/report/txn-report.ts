// The page `faultline check --model list-append|rw-register --out DIR` writes: per file its verdict, the anomalies
// with their cycles drawn and explained (txn-section.ts) and the history explorer with each transaction's
// micro-ops on its bar; the first cycle's transactions are outlined in the explorer from the start.
import type { TxnCheckResult } from '../checker/txn/types.js';
import { isCycle } from '../checker/txn/types.js';
import type { HistoryEvent } from '../history/op.js';
import type { TxnColumns } from '../history/txn-columns.js';
import { reportAssets } from './client-script.js';
import { explorerData } from './explorer-data.js';
import { HISTORY_CSS, historySection } from './history-section.js';
import { esc, num, page, verdictHtml } from './html.js';
import { TXN_CSS, txnSection } from './txn-section.js';

export interface TxnFileInput {
  file: string;
  format: string;
  result: TxnCheckResult;
  events: readonly HistoryEvent[];
  /** The transactions' micro-ops, when the reader kept them in columns instead of on the events (History.txns). */
  txns?: TxnColumns;
}

/**
 * The events as the explorer draws them, each transaction with its micro-ops: a reader that kept them in columns
 * for the checker's sake left them off the events.
 */
function withMicroOps(events: readonly HistoryEvent[], cols: TxnColumns | undefined): readonly HistoryEvent[] {
  if (!cols) return events;
  return events.map((e) => {
    if (e.value !== undefined) return e;
    const value = cols.plainValue(e.index);
    return value ? { ...e, value } : e;
  });
}

function fileCard(f: TxnFileInput, i: number): string {
  const id = `f${i}`;
  const data = explorerData({ events: withMicroOps(f.events, f.txns), txn: true });
  const first = f.result.anomalyTypes.flatMap((t) => f.result.anomalies[t] ?? []).find(isCycle);
  const outline = first
    ? ` data-fl-initial-ops="${esc(first.txns.map((t) => t.index).join(','))}" ` +
      `data-fl-initial-names="${esc(first.txns.map((t) => t.name).join(','))}"`
    : '';
  return (
    `<div class="fl-file"${outline}>` +
    txnSection(
      f.result,
      id,
      `<h2>${esc(f.file)}: ${verdictHtml(f.result.valid)}</h2>` +
        `<p class="muted">format <code>${esc(f.format)}</code> · model <code>${esc(f.result.model)}</code></p>`,
    ) +
    `${historySection(`${id}-history`, data, 'Transactions')}</div>`
  );
}

/** A file the checker never saw (its reading outlasted --timeout): a row with the reason, no card. */
export interface UnreadFile {
  file: string;
  error: string;
}

export function renderTxnCheckReport(input: { files: TxnFileInput[]; unread?: UnreadFile[]; title?: string }): string {
  const title = input.title ?? 'faultline check';
  const unread = (input.unread ?? []).map(
    (u) =>
      `<tr><td><code>${esc(u.file)}</code></td><td>${verdictHtml('unknown')}</td>` +
      `<td colspan="4">${esc(u.error)}</td></tr>`,
  );
  const rows = input.files.map(
    (f) =>
      `<tr><td><code>${esc(f.file)}</code></td><td>${verdictHtml(f.result.valid)}</td>` +
      `<td>${esc(f.result.model)}</td><td>${num(f.result.stats.txns)}</td>` +
      `<td>${esc(f.result.anomalyTypes.join(', ') || '—')}</td><td>${num(f.result.stats.ms.total, 1)}</td></tr>`,
  );
  const assets = reportAssets();
  const body =
    `<h1>${esc(title)}</h1><table><tr><th>file</th><th>verdict</th><th>model</th><th>transactions</th>` +
    `<th>anomalies</th><th>ms</th></tr>${rows.join('')}${unread.join('')}</table>` +
    `${input.files.map(fileCard).join('\n')}${assets.scripts}`;
  return page(title, body, assets.css + HISTORY_CSS + TXN_CSS);
}
