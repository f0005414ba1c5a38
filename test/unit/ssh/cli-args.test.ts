// `faultline run --runtime ssh` refuses bad input in one line and exit 3, before a run folder or a connection
// exists: no hosts file, a missing or malformed one, ssh flags on another runtime, more nodes than hosts.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli } from '../../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'fl-ssh-args-'));
const out = join(dir, 'results');
writeFileSync(join(dir, 'hosts'), 'u@10.0.0.1\nu@10.0.0.2\n');
writeFileSync(join(dir, 'key'), 'unused\n');
writeFileSync(join(dir, 'bad'), 'u@10.0.0.1\nno-user-here\n');

const cases: [string[], RegExp][] = [
  [['--runtime', 'ssh'], /^faultline: --runtime ssh needs --hosts FILE/],
  [['--runtime', 'ssh', '--hosts', join(dir, 'missing')], /^faultline: --hosts \S+missing: no such file$/],
  [['--runtime', 'ssh', '--hosts', join(dir, 'bad')], /bad line 2: expected user@address\[:port\], got "no-user-here"/],
  [['--runtime', 'local', '--hosts', join(dir, 'hosts')], /^faultline: --hosts is for --runtime ssh$/],
  [['--runtime', 'ssh', '--hosts', join(dir, 'hosts'), '--nodes', '3'], /one node per host and \S+ lists 2$/],
];

for (const [args, re] of cases)
  test(`run ${args.join(' ')}: one line, exit 3`, () => {
    const r = runCli(['run', '--out', out, ...args], { timeoutMs: 30_000 });
    assert.is(r.code, 3, r.stderr);
    assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr.trim(), re);
  });

test('nothing was started: no results folder', () => {
  assert.throws(() => readdirSync(out), /ENOENT/);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
