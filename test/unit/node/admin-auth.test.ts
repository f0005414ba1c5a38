// Issue 22, item 1: who may send the node an admin request. With a token, only a request carrying exactly it as
// a Bearer credential (401 otherwise, from any address, loopback included); without one, loopback clients only
// (403 for anyone else). The token is read from the environment and refused on the command line.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  ADMIN_TOKEN_ENV,
  adminRefusal,
  adminStartWarning,
  bearerMatches,
  isLoopbackPeer,
} from '../../../system/node/admin-auth.js';
import { parseConfig } from '../../../system/node/config.js';

const TOKEN = 'a3f1c9e07b5d2468a3f1c9e07b5d2468';
const BASE = ['--id', 'n1', '--peers', 'n1=127.0.0.1:7001', '--data-dir', '/nonexistent'];

function withEnv<T>(value: string | undefined, f: () => T): T {
  const before = process.env[ADMIN_TOKEN_ENV];
  if (value === undefined) delete process.env[ADMIN_TOKEN_ENV];
  else process.env[ADMIN_TOKEN_ENV] = value;
  try {
    return f();
  } finally {
    if (before === undefined) delete process.env[ADMIN_TOKEN_ENV];
    else process.env[ADMIN_TOKEN_ENV] = before;
  }
}

test('with a token: exactly "Bearer <token>" passes, from any address', () => {
  for (const peer of ['127.0.0.1', '10.213.0.12', '::ffff:10.0.0.5', undefined])
    assert.is(adminRefusal(TOKEN, `Bearer ${TOKEN}`, peer), undefined, String(peer));
  assert.ok(bearerMatches(TOKEN, `bearer ${TOKEN}`), 'the scheme is case-insensitive (RFC 7235 §2.1)');
});

test('with a token: no header, another scheme, a near miss or garbage is 401 with a challenge, on loopback too', () => {
  const wrong = [
    undefined,
    '',
    'Bearer',
    'Bearer ',
    TOKEN,
    `Basic ${Buffer.from(`admin:${TOKEN}`).toString('base64')}`,
    `Bearer ${TOKEN.slice(0, -1)}`,
    `Bearer ${TOKEN}0`,
    `Bearer ${TOKEN.slice(0, -1)}${TOKEN.endsWith('8') ? '9' : '8'}`,
    `Bearer ${TOKEN.toUpperCase()}`,
    `Bearer ${TOKEN} ${TOKEN}`,
    `Bearer ${'x'.repeat(5000)}`,
    `Bearer\u0000${TOKEN}`,
  ];
  for (const h of wrong) {
    const r = adminRefusal(TOKEN, h, '127.0.0.1');
    assert.ok(r, `accepted ${JSON.stringify(h)?.slice(0, 60)}`);
    assert.is(r.status, 401);
    assert.is(r.body.error, 'unauthorized');
    assert.match(r.headers['www-authenticate'], /^Bearer realm=/);
    assert.not.match(r.body.message, /\n/);
    assert.not.ok(r.body.message.includes(TOKEN), 'the refusal never quotes the token');
  }
});

test('without a token: loopback clients pass, any other address is 403', () => {
  for (const peer of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1'])
    assert.is(adminRefusal('', undefined, peer), undefined, peer);
  for (const peer of ['10.213.0.12', '::ffff:10.0.0.5', '192.168.1.1', 'fe80::1', '::', '0.0.0.0', undefined]) {
    assert.not.ok(isLoopbackPeer(peer), String(peer));
    const r = adminRefusal('', `Bearer ${TOKEN}`, peer);
    assert.is(r?.status, 403, String(peer));
    assert.match(r!.body.message, /loopback only/);
  }
});

test('the start-up line says so when there is no token, and nothing when there is one', () => {
  assert.match(adminStartWarning('') ?? '', /^no admin token \(FAULTLINE_NODE_ADMIN_TOKEN unset\).*loopback only$/);
  assert.is(adminStartWarning(TOKEN), undefined);
});

test('the node reads the token from FAULTLINE_NODE_ADMIN_TOKEN and refuses it on the command line', () => {
  assert.is(
    withEnv(TOKEN, () => parseConfig(BASE).adminToken),
    TOKEN,
  );
  assert.is(
    withEnv(undefined, () => parseConfig(BASE).adminToken),
    '',
  );
  for (const argv of [
    [...BASE, '--admin-token', TOKEN],
    [...BASE, `--admin-token=${TOKEN}`],
    [...BASE, '--adminToken', TOKEN],
  ])
    assert.throws(
      () => withEnv(undefined, () => parseConfig(argv)),
      (e: Error) => /shows in ps: pass it as FAULTLINE_NODE_ADMIN_TOKEN$/.test(e.message) && !e.message.includes(TOKEN),
    );
  for (const bad of ['short', `${TOKEN} x`, `${TOKEN}\u00e9`])
    assert.throws(
      () => withEnv(bad, () => parseConfig(BASE)),
      /FAULTLINE_NODE_ADMIN_TOKEN must be at least 16 printable ASCII characters/,
    );
});

test.run();
