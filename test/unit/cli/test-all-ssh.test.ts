// `faultline test-all` takes the ssh runtime's flags as `run` does (they are shared through run-args.ts): every
// run of the matrix gets --runtime ssh, the hosts file, the key beside it and --nodes = the number of hosts; the
// flags are refused without --runtime ssh, and a missing hosts file is one line and exit 3 before any run.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import yargs, { type Argv } from 'yargs';
import { testAllCommand } from '../../../harness/commands/test-all.js';
import { checkCommonArgs, runOptions, type CommonRunArgs } from '../../../harness/commands/run-args.js';
import { runCli } from '../../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'fl-test-all-ssh-'));
const hosts = join(dir, 'hosts');
writeFileSync(hosts, 'faultline@10.0.0.11\nfaultline@10.0.0.12\nfaultline@10.0.0.13\n');
writeFileSync(join(dir, 'key'), 'not read before a connection\n', { mode: 0o600 });
writeFileSync(join(dir, 'known_hosts'), '');

/** test-all's flags as its own builder parses them. */
function parse(argv: string[]): CommonRunArgs {
  const builder = testAllCommand.builder as (y: Argv<object>) => Argv<object>;
  return builder(yargs(argv).exitProcess(false).strict()).parseSync() as unknown as CommonRunArgs;
}

test('test-all --runtime ssh --hosts: each run of the matrix is an ssh run on the hosts', () => {
  const a = parse(['--runtime', 'ssh', '--hosts', hosts, '--workload', 'register,kv', '--nemesis', 'partition']);
  const c = checkCommonArgs(a);
  assert.is(c.nodes, 3);
  const o = runOptions(a, c, { target: 'reference', workload: 'kv', nemesis: 'partition', seed: 7, testCount: 1 });
  assert.is(o.runtime, 'ssh');
  assert.is(o.hosts, hosts);
  assert.is(o.nodes, 3);
  assert.is(o.sshKey, undefined); // found beside the hosts file when the runtime connects
});

test('test-all: --hosts without --runtime ssh is refused', () => {
  assert.throws(() => checkCommonArgs(parse(['--runtime', 'local', '--hosts', hosts])), /--hosts is for --runtime ssh/);
});

test('test-all --runtime ssh with a missing hosts file: one line, exit 3, no run', () => {
  const r = runCli(['test-all', '--runtime', 'ssh', '--hosts', join(dir, 'nope'), '--out', join(dir, 'out')], {
    cwd: dir,
  });
  assert.is(r.code, 3, r.stderr);
  assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /nope/);
  assert.not.match(r.stderr, /\n\s+at /);
});

test.run();
