// The results folder (DESIGN.md): results/<test-name>/<YYYYMMDDTHHMMSSZ>/ with test.json, history.jsonl,
// results.json, report.html, nodes/<node>/node.log, harness.log; results/latest points at the newest run.
// Run folders are read and written here only: run, check and report all come through this module.
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Results } from '../checker/results.js';
import { HistoryError } from '../history/op.js';
import type { RunOptions } from '../run/options.js';

export interface TestInfo {
  name: string;
  options: RunOptions;
  runtime: string;
  /** The system under test: a built-in target's name or a module path, its resolved options, its version. */
  target: { name: string; options: Record<string, string>; version?: string };
  startedAt: string;
  finishedAt?: string;
  nodes: { name: string; url: string }[];
  versions: { faultline: string; node: string };
  /** Why the run stopped early (SIGINT, error), if it did. */
  interrupted?: string;
  error?: string;
}

export function timestamp(d = new Date()): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
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

export function writeJson(path: string, v: unknown): void {
  writeFileSync(path, JSON.stringify(v, null, 2) + '\n');
}

export function isRunFolder(dir: string): boolean {
  return existsSync(dir) && statSync(dir).isDirectory() && existsSync(join(dir, 'history.jsonl'));
}

/** A JSON file of a run folder, or undefined when it is absent; a broken one is bad input naming the file. */
function readJson<T>(dir: string, name: string): T | undefined {
  const p = join(dir, name);
  if (!existsSync(p)) return undefined;
  try {
    return JSON.parse(readFileSync(p, 'utf8')) as T;
  } catch (e) {
    throw new HistoryError(`${name} is not valid JSON: ${(e as Error).message}`, p);
  }
}

export function readTestInfo(dir: string): TestInfo | undefined {
  return readJson<TestInfo>(dir, 'test.json');
}

export function readResults(dir: string): Results | undefined {
  return readJson<Results>(dir, 'results.json');
}

/** Writes a file of the run folder (report.html, results.json, ...) as text. */
export function writeRunFile(dir: string, name: string, text: string): void {
  writeFileSync(join(dir, name), text);
}
