// The text the ssh runtime sends to hosts: shell words survive any argument, iptables changes touch exactly the
// rules that differ (inserted at the top in order), netem settings refuse more peers than prio has bands, and
// the probe's answer reads back into facts.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { restoreText } from '../../../harness/runtime/ssh/firewall.js';
import { MAX_DELAYED, netemScript } from '../../../harness/runtime/ssh/netem.js';
import { parseFacts } from '../../../harness/runtime/ssh/scripts.js';
import { envFile, shC, words } from '../../../harness/runtime/ssh/shell.js';

test('quoted words reach a POSIX shell unchanged, through sh -c as well', () => {
  const argv = ['plain', 'two words', "it's", '$HOME', '`id`', 'a"b', '', '--x=1;rm -rf /'];
  const out = execFileSync('sh', ['-c', `${shC(`printf '%s\\n' ${words(argv)}`)}`], { encoding: 'utf8' });
  assert.equal(out.split('\n').slice(0, -1), argv);
});

test('the environment file exports exactly its values, and refuses a bad name', () => {
  const text = envFile({ SECRET: 's3 \'cr"et $x', LD_PRELOAD: '/lib/f.so' });
  const file = join(mkdtempSync(join(tmpdir(), 'fl-env-')), 'node.env');
  writeFileSync(file, text);
  const out = execFileSync('sh', ['-c', `set -a; . ${file}; set +a; printf "%s|%s" "$SECRET" "$LD_PRELOAD"`], {
    encoding: 'utf8',
  });
  assert.is(out, 's3 \'cr"et $x|/lib/f.so');
  assert.throws(() => envFile({ 'BAD-NAME': 'x' }), /not valid/);
});

test('iptables changes: nothing when equal; deletes what went, inserts what came, in order at the top', () => {
  const a = ['-s', '10.0.0.2', '-j', 'DROP'];
  const b = ['-s', '10.0.0.3', '-p', 'tcp', '-j', 'REJECT'];
  const c = ['-s', '10.0.0.3', '-m', 'comment', '--comment', 'faultline:r1', '-j', 'DROP'];
  assert.is(restoreText([a], [a]), undefined);
  const t = restoreText([a], [b, c])!;
  assert.equal(t.split('\n'), [
    '*filter',
    '-D INPUT -s 10.0.0.2 -j DROP',
    '-I INPUT 1 -s 10.0.0.3 -m comment --comment faultline:r1 -j DROP',
    '-I INPUT 1 -s 10.0.0.3 -p tcp -j REJECT',
    'COMMIT',
    '',
  ]);
});

test('netem: one band per delayed peer, all removed with an empty list, at most MAX_DELAYED', () => {
  const s = netemScript('sudo -n', [
    { ip: '10.0.0.2', ms: 100, jitterMs: 50 },
    { ip: '10.0.0.3', ms: 20, jitterMs: 0 },
  ]);
  assert.match(s, /prio bands 5 /);
  assert.match(s, /parent fa17:4 netem delay 100ms 50ms/);
  assert.match(s, /parent fa17:5 netem delay 20ms 0ms/);
  assert.match(s, /match ip dst 10\.0\.0\.3\/32 flowid fa17:5/);
  assert.not.match(netemScript('', []), /netem delay/);
  const many = Array.from({ length: MAX_DELAYED + 1 }, (_, i) => ({ ip: `10.0.1.${i}`, ms: 1, jitterMs: 0 }));
  assert.throws(() => netemScript('', many), /at most 13 peers/);
});

test("the probe's answer: sudo, faketime, what is missing, why netem is not there", () => {
  const f = parseFacts(
    'base=/var/tmp/faultline\nuid=1000\nmissing=setsid\nsudo=sudo -n\nfaketime=/usr/lib/f.so\nnetem=Error: x\n',
  );
  assert.equal(f, {
    uid: 1000,
    base: '/var/tmp/faultline',
    missing: ['setsid'],
    sudo: 'sudo -n',
    faketime: '/usr/lib/f.so',
    netemError: 'Error: x',
  });
  const root = parseFacts('base=/b\nuid=0\nsudo=\nfw=\n');
  assert.is(root.sudo, '');
  const none = parseFacts('base=/b\nuid=5\nfw=sudo: a password is required\n');
  assert.is(none.sudo, undefined);
  assert.is(none.firewallError, 'sudo: a password is required');
});

test.run();
