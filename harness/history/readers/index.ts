// Picks a reader by --format or by looking at the content, and reads a history file.
import { readFileSync, statSync } from 'node:fs';
import { HistoryError, type History } from '../op.js';
import { parseEdnHistory } from './edn.js';
import { looksLikeJsonl, parseJsonl } from './jsonl.js';
import { isPorcupineEtcd, parsePorcupineEtcd } from './porcupine-etcd.js';

export const FORMATS = ['jsonl', 'edn', 'porcupine-etcd', 'porcupine-kv'] as const;
export type FormatName = (typeof FORMATS)[number];

const KV_FS = new Set(['get', 'put', 'append']);

/** Porcupine's kv logs are EDN whose client ops are all get/put/append with a key. */
function isPorcupineKv(h: History): boolean {
  const client = h.events.filter((e) => e.process !== 'nemesis');
  return client.length > 0 && client.every((e) => KV_FS.has(e.f) && e.key !== undefined);
}

export function detectFormat(text: string): Exclude<FormatName, 'porcupine-kv'> {
  if (isPorcupineEtcd(text)) return 'porcupine-etcd';
  if (looksLikeJsonl(text)) return 'jsonl';
  return 'edn';
}

export function parseHistory(text: string, opts: { format?: FormatName; file?: string } = {}): History {
  const { file } = opts;
  if (text.trim() === '') throw new HistoryError('the file is empty', file);
  const format = opts.format ?? detectFormat(text);
  switch (format) {
    case 'jsonl': return parseJsonl(text, file);
    case 'porcupine-etcd': return parsePorcupineEtcd(text, file);
    case 'porcupine-kv': return parseEdnHistory(text, file, 'porcupine-kv');
    case 'edn': {
      const h = parseEdnHistory(text, file, 'edn');
      if (!opts.format && isPorcupineKv(h)) h.source = 'porcupine-kv';
      return h;
    }
    default: throw new HistoryError(`unknown format "${format as string}"; known formats: ${FORMATS.join(', ')}`, file);
  }
}

export async function readHistoryFile(path: string, opts: { format?: FormatName } = {}): Promise<History> {
  let text: string;
  try {
    if (statSync(path).isDirectory()) throw new HistoryError('is a folder, not a history file', path);
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof HistoryError) throw err;
    throw new HistoryError(`cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, path);
  }
  return parseHistory(text, { format: opts.format, file: path });
}
