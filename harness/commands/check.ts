// `faultline check`: re-check saved histories (ours, Jepsen EDN, Porcupine's logs) or run folders, offline.
import { statSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { checkHistory, type FileCheck } from '../checker/check-history.js';
import { exitCodeFor, mergeValidity } from '../checker/results.js';
import { FORMATS, type FormatName } from '../history/readers/index.js';
import { modelNames } from '../checker/models/registry.js';
import { renderCheckReport } from '../report/check-report.js';
import { fail } from './errors.js';

interface CheckArgs {
  paths: string[];
  model?: string;
  init?: string;
  format?: FormatName;
  timeout: number;
  json: boolean;
  out?: string;
}

function verdictWord(v: FileCheck['valid']): string {
  return v === true ? 'valid' : v === false ? 'INVALID' : 'UNKNOWN';
}

function humanLine(c: FileCheck): string {
  const parts = [`${c.ops} ops`, `${c.partitions} partition${c.partitions === 1 ? '' : 's'}`, `${c.ms.toFixed(1)} ms`];
  let line = `${c.file}: ${verdictWord(c.valid)} (model ${c.model}, ${parts.join(', ')})`;
  if (c.valid === false && c.firstOffending) line += `\n  could not linearize: ${c.firstOffending}`;
  if (c.valid === 'unknown') line += '\n  the checker gave up (timeout); try a larger --timeout';
  for (const w of c.warnings) line += `\n  warning: ${w}`;
  return line;
}

export const checkCommand: CommandModule<object, CheckArgs> = {
  command: 'check <paths..>',
  describe: 'Check saved histories (files or run folders) for linearizability',
  builder: (y: Argv<object>) =>
    y
      .positional('paths', { type: 'string', array: true, demandOption: true, describe: 'history files or run folders' })
      .option('model', { type: 'string', describe: `checker model (default: from the run folder, the format, or the ops); one of ${modelNames().join(', ')}` })
      .option('init', { type: 'string', describe: 'initial register value as JSON (cas-register, kv-register); default null' })
      .option('format', { type: 'string', choices: FORMATS as unknown as string[], describe: 'history format (default: detected from content)' })
      .option('timeout', { type: 'number', default: 0, describe: 'give up after this many seconds per file (0: never); gives "unknown"' })
      .option('json', { type: 'boolean', default: false, describe: 'print one JSON object per file instead of a summary' })
      .option('out', { type: 'string', describe: 'write results.json and report.html into this folder' }) as unknown as Argv<CheckArgs>,
  handler: async (args) => {
    if (!Number.isFinite(args.timeout) || args.timeout < 0) fail(new Error(`--timeout must be a number of seconds >= 0, got ${args.timeout}`));
    let init: unknown;
    if (args.init !== undefined) {
      try { init = JSON.parse(args.init); } catch { fail(new Error(`--init must be JSON (e.g. 0, "a", null), got ${args.init}`)); }
    }
    for (const p of args.paths) if (!existsSync(p)) fail(new Error(`${p}: no such file or folder`));

    const checks: FileCheck[] = [];
    for (const p of args.paths) {
      try {
        const c = await checkHistory(p, { model: args.model, init, format: args.format, timeoutMs: args.timeout * 1000 });
        checks.push(c);
        if (args.json) {
          process.stdout.write(JSON.stringify({
            file: c.file, valid: c.valid, model: c.model, format: c.format, ops: c.ops, partitions: c.partitions,
            ms: Math.round(c.ms * 1000) / 1000, offending: c.firstOffending ?? null, warnings: c.warnings,
          }) + '\n');
        } else {
          process.stdout.write(humanLine(c) + '\n');
        }
      } catch (err) {
        fail(err);
      }
    }

    if (args.out) {
      const out = resolve(args.out);
      if (existsSync(out) && !statSync(out).isDirectory()) fail(new Error(`--out ${args.out}: exists and is not a folder`));
      mkdirSync(out, { recursive: true });
      const valid = mergeValidity(checks.map((c) => c.valid));
      writeFileSync(join(out, 'results.json'), JSON.stringify({ valid, files: checks.map((c) => c.summary) }, null, 2) + '\n');
      writeFileSync(join(out, 'report.html'), renderCheckReport({ files: checks.map((c) => c.reportInput) }));
      if (!args.json) process.stdout.write(`report: ${join(out, 'report.html')}\n`);
    }
    process.exit(exitCodeFor(mergeValidity(checks.map((c) => c.valid))));
  },
};
