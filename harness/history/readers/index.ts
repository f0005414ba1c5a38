// Picks a reader by --format or by looking at the content, and reads a history file. Line formats (JSONL,
// Porcupine's etcd logs) are streamed; EDN, whose forms may span lines, is read whole up to a size limit.
import { closeSync } from 'node:fs';
import { clientEvents, HistoryError, type History } from '../op.js';
import { parseEdnHistory } from './edn.js';
import { JsonlParser, looksLikeJsonl, parseJsonl } from './jsonl.js';
import { looksLikeJsonArray, parseJsonArray } from './json-array.js';
import { forEachLine, openRegularFile, readHead, readWhole, stripBom } from './lines.js';
import { isPorcupineEtcd, parsePorcupineEtcd, PorcupineEtcdParser } from './porcupine-etcd.js';

export const FORMATS = ['jsonl', 'json', 'edn', 'porcupine-etcd', 'porcupine-kv'] as const;
export type FormatName = (typeof FORMATS)[number];

const KV_FS = new Set(['get', 'put', 'append']);

/** Porcupine's kv logs are EDN whose client ops are all get/put/append with a key. */
function isPorcupineKv(h: History): boolean {
  const client = clientEvents(h.events);
  return client.length > 0 && client.every((e) => KV_FS.has(e.f) && e.key !== undefined);
}

export function detectFormat(text: string): Exclude<FormatName, 'porcupine-kv'> {
  if (isPorcupineEtcd(text)) return 'porcupine-etcd';
  if (looksLikeJsonl(text)) return 'jsonl';
  if (looksLikeJsonArray(text)) return 'json';
  return 'edn';
}

export function parseHistory(text: string, opts: { format?: FormatName; file?: string } = {}): History {
  const { file } = opts;
  text = stripBom(text);
  if (text.trim() === '') throw new HistoryError('the file is empty', file);
  const format = opts.format ?? detectFormat(text);
  switch (format) {
    case 'jsonl':
      return parseJsonl(text, file);
    case 'json':
      return parseJsonArray(text, file);
    case 'porcupine-etcd':
      return parsePorcupineEtcd(text, file);
    case 'porcupine-kv':
      return parseEdnHistory(text, file, 'porcupine-kv');
    case 'edn': {
      const h = parseEdnHistory(text, file, 'edn');
      if (!opts.format && isPorcupineKv(h)) h.source = 'porcupine-kv';
      return h;
    }
    default:
      throw new HistoryError(`unknown format "${format as string}"; known formats: ${FORMATS.join(', ')}`, file);
  }
}

function fromParts(h: History, opts: { format?: FormatName }): History {
  if (!opts.format && h.source === 'edn' && isPorcupineKv(h)) h.source = 'porcupine-kv';
  return h;
}

/** Reads a history file: only a regular file, streamed where the format allows. */
export async function readHistoryFile(path: string, opts: { format?: FormatName } = {}): Promise<History> {
  const { fd, size } = openRegularFile(path);
  try {
    const head = readHead(fd, path);
    if (head.trim() === '' && size <= head.length) throw new HistoryError('the file is empty', path);
    const format = opts.format ?? detectFormat(head);
    switch (format) {
      case 'jsonl': {
        const p = new JsonlParser(path);
        forEachLine(fd, path, (l, n, t) => p.line(l, n, t));
        return p.finish();
      }
      case 'porcupine-etcd': {
        const p = new PorcupineEtcdParser(path);
        forEachLine(fd, path, (l, n) => p.line(l, n));
        return p.finish();
      }
      default:
        return fromParts(parseHistory(readWhole(fd, path, size), { format, file: path }), opts);
    }
  } finally {
    closeSync(fd);
  }
}
