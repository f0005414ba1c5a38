// Picks a reader by --format or by looking at the content, and reads a history file. Every format but a JSON
// array is streamed (JSONL and Porcupine's etcd logs line by line, EDN form by form), so the file's text is never
// held whole; reading is bounded in memory and time (limits.ts) and refuses invalid UTF-8 (bytes.ts).
import { closeSync } from 'node:fs';
import { Utf8Source } from '../bytes.js';
import type { ReadLimits } from '../limits.js';
import { HistoryError, type History, isClientEvent } from '../op.js';
import { TxnColumns } from '../txn-columns.js';
import { parseEdnHistory } from './edn.js';
import { JsonlParser, looksLikeJsonl } from './jsonl.js';
import { looksLikeJsonArray, parseJsonArray } from './json-array.js';
import { forEachLine, forEachTextLine, openRegularFile, readHead, readWhole, stripBom } from './lines.js';
import { isPorcupineEtcd, PorcupineEtcdParser } from './porcupine-etcd.js';

export const FORMATS = ['jsonl', 'json', 'edn', 'porcupine-etcd', 'porcupine-kv'] as const;
export type FormatName = (typeof FORMATS)[number];

export interface ReadOptions {
  format?: FormatName;
  /**
   * Keep transactions' micro-ops in columns (History.txns) instead of as values on their events: what the
   * transactional checker reads, at a fraction of the memory and time for large histories.
   */
  txns?: boolean;
  /** Deadline and memory limit of reading (limits.ts). */
  limits?: ReadLimits;
}

const KV_FS = new Set(['get', 'put', 'append']);

/** Porcupine's kv logs are EDN whose client ops are all get/put/append with a key. */
function isPorcupineKv(h: History): boolean {
  let client = 0;
  for (const e of h.events) {
    if (!isClientEvent(e)) continue;
    if (!KV_FS.has(e.f) || e.key === undefined) return false;
    client++;
  }
  return client > 0;
}

export function detectFormat(text: string): Exclude<FormatName, 'porcupine-kv'> {
  if (isPorcupineEtcd(text)) return 'porcupine-etcd';
  if (looksLikeJsonl(text)) return 'jsonl';
  if (looksLikeJsonArray(text)) return 'json';
  return 'edn';
}

function unknownFormat(format: string, file: string | undefined): never {
  throw new HistoryError(`unknown format "${format}"; known formats: ${FORMATS.join(', ')}`, file);
}

/** A history from text already in memory. */
export function parseHistory(text: string, opts: { format?: FormatName; file?: string; txns?: boolean } = {}): History {
  const { file } = opts;
  text = stripBom(text);
  if (text.trim() === '') throw new HistoryError('the file is empty', file);
  const format = opts.format ?? detectFormat(text);
  const cols = opts.txns ? new TxnColumns() : undefined;
  switch (format) {
    case 'jsonl': {
      const p = new JsonlParser(file, cols);
      forEachTextLine(text, (l, n, t) => p.line(l, n, t));
      return p.finish();
    }
    case 'json':
      return parseJsonArray(text, file, cols);
    case 'porcupine-etcd': {
      const p = new PorcupineEtcdParser(file);
      forEachTextLine(text, (l, n) => p.line(l, n));
      return p.finish();
    }
    case 'porcupine-kv':
    case 'edn':
      return kvOrEdn(parseEdnHistory(text, file, format, cols), opts.format);
    default:
      return unknownFormat(format, file);
  }
}

/** An EDN history read without --format whose ops are all Porcupine kv ops is Porcupine's kv format. */
function kvOrEdn(h: History, format: FormatName | undefined): History {
  if (!format && h.source === 'edn' && isPorcupineKv(h)) h.source = 'porcupine-kv';
  return h;
}

/** Reads a history file: only a regular file, streamed where the format allows. */
export async function readHistoryFile(path: string, opts: ReadOptions = {}): Promise<History> {
  const { fd, size } = openRegularFile(path);
  try {
    const head = readHead(fd, path);
    if (head.trim() === '' && size <= head.length) throw new HistoryError('the file is empty', path);
    const format = opts.format ?? detectFormat(head);
    const cols = opts.txns ? new TxnColumns(size) : undefined;
    switch (format) {
      case 'jsonl': {
        const p = new JsonlParser(path, cols);
        forEachLine(fd, path, (l, n, t) => p.line(l, n, t), opts.limits);
        return p.finish();
      }
      case 'porcupine-etcd': {
        const p = new PorcupineEtcdParser(path);
        forEachLine(fd, path, (l, n) => p.line(l, n), opts.limits);
        return p.finish();
      }
      case 'json':
        return parseJsonArray(readWhole(fd, path, size, undefined, opts.limits), path, cols);
      case 'porcupine-kv':
      case 'edn': {
        const src = new Utf8Source({ fd }, path, opts.limits);
        return kvOrEdn(parseEdnHistory(src, path, format, cols), opts.format);
      }
      default:
        return unknownFormat(format, path);
    }
  } finally {
    closeSync(fd);
  }
}
