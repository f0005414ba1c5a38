// The one record of a test (store/test.ts), built once from the options before anything starts: its name, the
// target and runtime it runs on, what its history is checked with, the command line that reruns it. The run fills
// in the rest (nodes, times, error); test.json, the history header and the check spec are views of this record.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PreparedTarget } from '../../targets/prepare.js';
import { specForWorkload } from '../check/pipeline.js';
import { repoRoot } from '../paths.js';
import type { RuntimeKind } from '../runtime/spec.js';
import { testName, type RunOptions, type Test } from '../store/test.js';
import { commandLine } from './command-line.js';

let version: string | undefined;

/** This faultline's version (package.json), read once, when the first test is made. */
function faultlineVersion(): string {
  if (version === undefined) {
    try {
      version = (JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      version = 'unknown';
    }
  }
  return version;
}

/** The record of a run of `o` against the prepared target on `runtime` (auto already resolved). */
export function newTest(o: RunOptions, prepared: PreparedTarget, runtime: RuntimeKind): Test {
  const { target, options } = prepared;
  return {
    name: testName(o, target.name),
    options: o,
    runtime,
    target: { name: target.name, options, version: target.version?.(options) },
    // What the history is checked with, recorded so that `faultline check DIR` uses exactly the same.
    checks: specForWorkload(o.workload, o.checkTimeoutS),
    command: commandLine(o, runtime),
    startedAt: new Date().toISOString(),
    nodes: [],
    versions: { faultline: faultlineVersion(), node: process.version },
  };
}
