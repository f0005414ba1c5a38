// The results folder (DESIGN.md): results/<test-name>/<YYYYMMDDTHHMMSSZ>/ with test.json, history.jsonl,
// results.json, report.html, nodes/<node>/node.log, harness.log; results/latest points at the newest run, and
// results/index.html lists every run (store/index.ts lists them, report/index-page.ts renders the page). Run
// folders are read and written here only: run, check, report, rerun, shrink, serve and test-all all come through
// this module, which renders nothing (the report's HTML and the command line are handed to it).
import {
  closeSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  rmSync,
  statSync,
  symlinkSync,
  type WriteStream,
} from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import type { Results } from '../checker/results.js';
import type { History } from '../history/op.js';
import { readHistoryFile, type FormatName, type ReadOptions } from '../history/readers/index.js';
import { openRegularFile, readHead } from '../history/readers/lines.js';
import { HistoryWriter } from '../history/writer.js';
import { insideFolder, readJsonFile, writeFileAtomic } from './files.js';
import { historyHeader, type Test } from './test.js';
import { validateResults, validateTest } from './validate.js';

export const HISTORY_FILE = 'history.jsonl';

export function timestamp(d = new Date()): string {
  return d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

export function createRunFolder(root: string, name: string): string {
  let dir = resolve(root, name, timestamp());
  for (let i = 1; existsSync(dir); i++) dir = resolve(root, name, `${timestamp()}-${i}`);
  mkdirSync(join(dir, 'nodes'), { recursive: true });
  const latest = resolve(root, 'latest');
  try {
    rmSync(latest, { force: true });
    symlinkSync(relative(resolve(root), dir), latest);
  } catch {
    // A filesystem without symlinks only loses the convenience link.
  }
  return dir;
}

/** Writes a JSON file of a run folder atomically (a reader never sees half of test.json). */
export function writeJson(path: string, v: unknown): void {
  writeFileAtomic(path, `${JSON.stringify(v, null, 2)}\n`);
}

export function isRunFolder(dir: string): boolean {
  return existsSync(dir) && statSync(dir).isDirectory() && existsSync(join(dir, HISTORY_FILE));
}

export function historyPath(dir: string): string {
  return join(dir, HISTORY_FILE);
}

/** Where the runtime streams the nodes' logs: <dir>/nodes/<node>/node.log. */
export function nodesDir(dir: string): string {
  return join(dir, 'nodes');
}

/** Opens harness.log, the harness's own log of the run (pino JSON lines). */
export function openHarnessLog(dir: string): WriteStream {
  return createWriteStream(join(dir, 'harness.log'));
}

/** Writes test.json: the test's record as it stands (a run writes it when it starts and again when it ends). */
export function writeTest(dir: string, test: Test): void {
  writeJson(join(dir, 'test.json'), test);
}

/** Writes results.json. */
export function writeResults(dir: string, results: Results): void {
  writeJson(join(dir, 'results.json'), results);
}

/** Opens history.jsonl for the recorder, its header the view of the test's record (historyHeader). */
export function openHistory(dir: string, test: Test): HistoryWriter {
  return new HistoryWriter(historyPath(dir), historyHeader(test));
}

/**
 * The history of a run folder (or a history file), through the one streaming reader every command uses; `read`
 * carries the reader's bounds (limits) and whether transactions go into columns (txns). A run folder's history,
 * or a file named inside a run folder, that leads out of the folder is refused unread.
 */
export function readHistory(
  path: string,
  format?: FormatName,
  read: Omit<ReadOptions, 'format'> = {},
): Promise<History> {
  let file = path;
  try {
    if (isRunFolder(path)) file = insideFolder(path, HISTORY_FILE);
    else if (existsSync(join(dirname(path), 'test.json'))) file = insideFolder(dirname(path), basename(path));
  } catch (e) {
    return Promise.reject(e);
  }
  return readHistoryFile(file, { ...read, format });
}

/** test.json of a run folder, validated, or undefined when it is absent; a broken one is bad input naming the file. */
export function readTest(dir: string): Test | undefined {
  const p = insideFolder(dir, 'test.json');
  if (!existsSync(p)) return undefined;
  return validateTest(readJsonFile(p), p);
}

/** results.json of a run folder, validated, or undefined when it is absent. */
export function readResults(dir: string): Results | undefined {
  const p = insideFolder(dir, 'results.json');
  if (!existsSync(p)) return undefined;
  return validateResults(readJsonFile(p), p);
}

/**
 * Only the verdict of results.json, for the index: results.json is written with "valid" first, so the first
 * bytes settle it and a large file (every invalid partition's operations) is not parsed for one field. Falls back
 * to reading the whole file; undefined when there is no results.json.
 */
export function readVerdict(dir: string): Results['valid'] | undefined {
  const p = insideFolder(dir, 'results.json');
  if (!existsSync(p)) return undefined;
  const { fd } = openRegularFile(p, 'JSON file');
  let head: string;
  try {
    head = readHead(fd, p, 256);
  } finally {
    closeSync(fd);
  }
  const m = /^\s*\{\s*"valid"\s*:\s*(true|false|"unknown")\s*,/.exec(head);
  if (m) return m[1] === 'true' ? true : m[1] === 'false' ? false : 'unknown';
  return readResults(dir)?.valid;
}

/** Writes a file of the run folder (report.html, results.json, ...) atomically; a symlink there is replaced. */
export function writeRunFile(dir: string, name: string, text: string): void {
  writeFileAtomic(join(dir, name), text);
}
