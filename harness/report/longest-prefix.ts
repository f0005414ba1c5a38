// A failing partition in words, readable without the page's script: Porcupine's longest linearizable prefix as a
// table (step, client, operation, the model's state after it) and the operations that could not come next.
import { getModel } from '../checker/models/registry.js';
import { partitionKey, plainKey } from '../check/pipeline.js';
import type { CheckResult, Model, PartitionInfo } from '../checker/porcupine/types.js';
import { showValue } from '../history/show.js';
import { esc, num } from './html.js';

/** Failing partitions written out per checker; the rest are counted (the explorer lists more). */
export const MAX_INVALID_WRITTEN = 5;

type Describe = (input: unknown, output: unknown) => string;

/**
 * The model's describeOperation, guarded: the operations may come from a results.json someone sent, and a
 * description that throws on an odd value falls back to the raw input and output rather than failing the page.
 */
export function safeDescribe(model: string | undefined): Describe {
  let d: Model['describeOperation'];
  try {
    d = model ? getModel(model).create({}).model.describeOperation : undefined;
  } catch {
    d = undefined;
  }
  return (input, output) => {
    if (d)
      try {
        return String(d(input as never, output as never));
      } catch {
        /* fall through */
      }
    return showValue({ input, output }, 300);
  };
}

/** The illegal partitions to write out, each with a title naming its key. */
export function illegalPartitions(r: CheckResult): { p: PartitionInfo; title: string }[] {
  return r.partitions
    .map((p, i) => ({ p, i }))
    .filter((x) => x.p.verdict === 'illegal')
    .slice(0, MAX_INVALID_WRITTEN)
    .map(({ p, i }) => {
      const key = partitionKey(p);
      return { p, title: `partition ${i + 1}${key !== undefined && key !== null ? ` (key ${plainKey(key)})` : ''}` };
    });
}

/** The longest linearizable prefix as a table: step, operation, state after; then what could not follow. */
export function renderLongest(p: PartitionInfo, describe: Describe): string {
  const best = p.longest?.[0];
  if (!best) return '';
  const rows = best.order.map((opIdx, k) => {
    const o = p.ops[opIdx];
    return (
      `<tr><td>${num(k + 1)}</td><td>client ${num(o.clientId)}</td>` +
      `<td><code>${esc(describe(o.input, o.output))}</code></td><td><code>${esc(best.states[k])}</code></td></tr>`
    );
  });
  const bad = (p.offending ?? []).map((i) => {
    const o = p.ops[i];
    return `<li>client ${num(o.clientId)}: <code>${esc(describe(o.input, o.output))}</code></li>`;
  });
  return `<h4>Longest linearizable prefix (${num(best.order.length)} of ${num(p.ops.length)} operations)</h4>
<table><tr><th>#</th><th>client</th><th>operation</th><th>state after</th></tr>${rows.join('')}</table>
<p>No operation can come next: these could not be linearized after it:</p><ul>${bad.join('')}</ul>`;
}
