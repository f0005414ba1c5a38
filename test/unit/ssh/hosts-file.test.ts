// The hosts file and what is found beside it: user@address[:port] lines, comments, one-line errors that name the
// line; DIR/key and DIR/known_hosts used when no flag names them.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseHostsText, resolveSshAccess } from '../../../harness/runtime/ssh/hosts-file.js';

test('lines, comments and ports', () => {
  const hosts = parseHostsText('# the bed\nroot@10.0.0.1\n\n  admin@db-2.example.org:2222  # second\n', 'h');
  assert.equal(
    hosts.map((h) => [h.user, h.address, h.port]),
    [
      ['root', '10.0.0.1', 22],
      ['admin', 'db-2.example.org', 2222],
    ],
  );
});

test('bad lines get one line naming the file and line', () => {
  const cases: [string, RegExp][] = [
    ['10.0.0.1', /h line 1: expected user@address\[:port\]/],
    ['a@10.0.0.1\nb@10.0.0.2:0', /h line 2: port 0 is not 1-65535/],
    ['a@[::1]:22', /IPv6/],
    ['a@bad_host!', /expected user@address|neither an IPv4/],
    ['a@10.0.0.1\nb@10.0.0.1:2200', /10\.0\.0\.1 is listed twice/],
    ['# nothing\n', /lists no host/],
  ];
  for (const [text, re] of cases) {
    assert.throws(() => parseHostsText(text, 'h'), re, text);
    try {
      parseHostsText(text, 'h');
    } catch (e) {
      assert.not.match((e as Error).message, /\n/);
    }
  }
});

test('key and known_hosts beside the hosts file; flags win; no key and no agent is refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fl-hosts-'));
  writeFileSync(join(dir, 'hosts'), 'u@10.0.0.1\n');
  writeFileSync(join(dir, 'key'), 'not read here\n');
  writeFileSync(join(dir, 'known_hosts'), '');
  const a = resolveSshAccess({ hosts: join(dir, 'hosts') }, {});
  assert.is(a.keyFile, join(dir, 'key'));
  assert.is(a.knownHostsFile, join(dir, 'known_hosts'));
  assert.is(a.acceptNew, false);
  const b = resolveSshAccess(
    { hosts: join(dir, 'hosts'), sshKnownHosts: '/elsewhere/kh', sshAcceptNew: true },
    { SSH_AUTH_SOCK: '/tmp/agent' },
  );
  assert.is(b.knownHostsFile, '/elsewhere/kh');
  assert.is(b.agent, '/tmp/agent');
  assert.is(b.acceptNew, true);
  assert.throws(() => resolveSshAccess({ hosts: join(dir, 'hosts'), sshKey: join(dir, 'nope') }), /no such file/);
  assert.throws(() => resolveSshAccess({ hosts: join(dir, 'missing') }), /--hosts .*: no such file/);
});

test.run();
