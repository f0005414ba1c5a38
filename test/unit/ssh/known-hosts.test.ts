// Host keys as OpenSSH checks them: plain, [address]:port, hashed and wildcard names; a known host with another
// key is refused with both fingerprints' worth of detail; an unknown one is refused unless --ssh-accept-new,
// which appends exactly one line and says so; @revoked wins.
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  blobType,
  checkHostKey,
  fingerprint,
  hostFieldMatches,
  hostKeyAlgorithms,
  hostKeyName,
} from '../../../harness/runtime/ssh/known-hosts.js';

const dir = mkdtempSync(join(tmpdir(), 'fl-known-hosts-'));
const pub = () => ssh2.utils.generateKeyPairSync('ed25519').public.split(' ');
const [type, b64] = pub();
const blob = Buffer.from(b64, 'base64');
const other = Buffer.from(pub()[1], 'base64');
const who = 'u@10.0.0.5';
const check = (file: string, key: Buffer, acceptNew = false, port = 22) =>
  checkHostKey({ file, address: '10.0.0.5', port, blob: key, acceptNew, who });

test('key type and OpenSSH fingerprint of a blob', () => {
  assert.is(blobType(blob), 'ssh-ed25519');
  assert.is(type, 'ssh-ed25519');
  assert.match(fingerprint(blob), /^SHA256:[A-Za-z0-9+/]{43}$/);
  assert.is.not(fingerprint(blob), fingerprint(other));
});

test('names: port 22 plain, another port bracketed; hashed and wildcard fields match', () => {
  assert.is(hostKeyName('10.0.0.5', 22), '10.0.0.5');
  assert.is(hostKeyName('10.0.0.5', 2222), '[10.0.0.5]:2222');
  const salt = randomBytes(20);
  const hash = createHmac('sha1', salt).update('10.0.0.5').digest('base64');
  assert.ok(hostFieldMatches(`|1|${salt.toString('base64')}|${hash}`, '10.0.0.5'));
  assert.not.ok(hostFieldMatches(`|1|${salt.toString('base64')}|${hash}`, '10.0.0.6'));
  assert.ok(hostFieldMatches('db1,10.0.0.*', '10.0.0.5'));
  assert.not.ok(hostFieldMatches('10.0.0.*,!10.0.0.5', '10.0.0.5'));
  assert.not.ok(hostFieldMatches('10.0.0.50', '10.0.0.5'));
});

test('the key on file passes; another key for the same host is a one-line mismatch with the fingerprint', () => {
  const file = join(dir, 'a');
  writeFileSync(file, `# comment\n10.0.0.9 ${type} ${pub()[1]}\n10.0.0.5 ${type} ${b64}\n`);
  assert.equal(check(file, blob), { ok: true });
  const v = check(file, other, true);
  assert.is(v.ok, false);
  const reason = (v as { reason: string }).reason;
  assert.match(reason, /^HOST KEY MISMATCH: u@10\.0\.0\.5 offered ssh-ed25519 SHA256:/);
  assert.ok(reason.includes(fingerprint(other)), reason);
  assert.match(reason, /line 3/);
  assert.not.match(reason, /\n/);
  assert.is(readFileSync(file, 'utf8').split('\n').length, 4, 'a mismatch never writes, even with --ssh-accept-new');
});

test('an unknown host: refused with its fingerprint, or added (once, said) with --ssh-accept-new', () => {
  const file = join(dir, 'sub', 'known_hosts');
  const refused = check(file, blob, false, 2222);
  assert.is(refused.ok, false);
  assert.match((refused as { reason: string }).reason, /is not in .*--ssh-accept-new/);
  const added = check(file, blob, true, 2222);
  assert.is(added.ok, true);
  assert.match((added as { added: string }).added, /^added u@10\.0\.0\.5's host key ssh-ed25519 SHA256:/);
  assert.is(readFileSync(file, 'utf8'), `[10.0.0.5]:2222 ${type} ${b64}\n`);
  assert.equal(check(file, blob, false, 2222), { ok: true }, 'known from now on');
  assert.is(check(file, blob, false, 22).ok, false, 'port 22 is another name');
  assert.equal(hostKeyAlgorithms(file, '10.0.0.5', 2222), ['ssh-ed25519']);
  assert.is(hostKeyAlgorithms(file, '10.0.0.5', 22), undefined);
});

test('@revoked refuses the key even when a plain line lists it', () => {
  const file = join(dir, 'revoked');
  writeFileSync(file, `@revoked * ${type} ${b64}\n10.0.0.5 ${type} ${b64}\n`);
  const v = check(file, blob);
  assert.is(v.ok, false);
  assert.match((v as { reason: string }).reason, /revoked in .* line 1/);
});

test.run();
