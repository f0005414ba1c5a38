// Issue 22, item 7: which base image a docker run builds FROM, against a fake engine that records every call.
// By default the locally made base and no pull, even where the official image is present; a base asked for with
// FAULTLINE_BASE_IMAGE is used when present, else pulled once, and a failed or forbidden pull is one line
// naming the image, never a silent fallback to another base.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type Docker from 'dockerode';
import { ensureBaseImage, localBaseTag, OFFICIAL_BASE } from '../../../harness/runtime/docker/base-image.js';

class FakeEngine {
  calls: string[] = [];
  constructor(
    readonly present: Set<string>,
    readonly pullError?: string,
  ) {}
  getImage(name: string) {
    return {
      inspect: async () => {
        this.calls.push(`inspect ${name}`);
        if (!this.present.has(name)) throw Object.assign(new Error('no such image'), { statusCode: 404 });
        return {};
      },
    };
  }
  async pull(name: string) {
    this.calls.push(`pull ${name}`);
    if (this.pullError) throw new Error(this.pullError);
    this.present.add(name);
    return {};
  }
  async importImage() {
    this.calls.push('import');
    throw new Error('the fake engine imports nothing');
  }
  modem = { followProgress: (_s: unknown, cb: (e: Error | null, out: unknown[]) => void) => cb(null, []) };
}

const DNS = 'Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io: no such host';

async function pick(engine: FakeEngine, env: Record<string, string | undefined>) {
  const saved = { base: process.env.FAULTLINE_BASE_IMAGE, noPull: process.env.FAULTLINE_NO_PULL };
  const set = (k: string, v: string | undefined): void => {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  };
  set('FAULTLINE_BASE_IMAGE', env.FAULTLINE_BASE_IMAGE);
  set('FAULTLINE_NO_PULL', env.FAULTLINE_NO_PULL);
  const logs: string[] = [];
  try {
    const b = await ensureBaseImage(engine as unknown as Docker, { log: (m) => logs.push(m) });
    return { ...b, logs };
  } finally {
    set('FAULTLINE_BASE_IMAGE', saved.base);
    set('FAULTLINE_NO_PULL', saved.noPull);
  }
}

const pulls = (e: FakeEngine): string[] => e.calls.filter((c) => c.startsWith('pull'));

test('by default: the locally made base, no pull, even where the official image is present', async () => {
  for (const present of [[localBaseTag()], [localBaseTag(), OFFICIAL_BASE]]) {
    for (const env of [{}, { FAULTLINE_BASE_IMAGE: '' }]) {
      const e = new FakeEngine(new Set(present), DNS);
      const b = await pick(e, env);
      assert.equal([b.image, b.source], [localBaseTag(), 'local-existing']);
      assert.equal(pulls(e), [], 'no pull attempt');
      assert.not.ok(e.calls.includes(`inspect ${OFFICIAL_BASE}`), 'the official image is not even looked for');
      assert.match(b.logs.join('\n'), /FAULTLINE_BASE_IMAGE asks for another/);
    }
  }
});

test('FAULTLINE_BASE_IMAGE present: used as it is, no pull', async () => {
  const e = new FakeEngine(new Set([OFFICIAL_BASE, localBaseTag()]), DNS);
  const b = await pick(e, { FAULTLINE_BASE_IMAGE: OFFICIAL_BASE });
  assert.equal([b.image, b.source], [OFFICIAL_BASE, 'present']);
  assert.equal(pulls(e), []);
});

test('FAULTLINE_BASE_IMAGE absent: pulled once when the registry answers', async () => {
  const e = new FakeEngine(new Set([localBaseTag()]));
  const b = await pick(e, { FAULTLINE_BASE_IMAGE: 'example.org/base:1' });
  assert.equal([b.image, b.source], ['example.org/base:1', 'pulled']);
  assert.equal(pulls(e), ['pull example.org/base:1']);
});

test('FAULTLINE_BASE_IMAGE absent and unpullable, or pulling forbidden: one line, no fallback', async () => {
  const e = new FakeEngine(new Set([localBaseTag()]), DNS);
  try {
    await pick(e, { FAULTLINE_BASE_IMAGE: OFFICIAL_BASE });
    assert.unreachable('fell back to another base');
  } catch (err) {
    const m = (err as Error).message;
    assert.match(
      m,
      /^base image node:20-bookworm-slim \(asked for by FAULTLINE_BASE_IMAGE\) is not present and cannot/,
    );
    assert.match(m, /no such host; unset FAULTLINE_BASE_IMAGE to use the base made locally/);
    assert.not.match(m, /\n/);
  }
  assert.equal(pulls(e), [`pull ${OFFICIAL_BASE}`]);
  const f = new FakeEngine(new Set([localBaseTag()]), DNS);
  try {
    await pick(f, { FAULTLINE_BASE_IMAGE: OFFICIAL_BASE, FAULTLINE_NO_PULL: '1' });
    assert.unreachable('fell back to another base');
  } catch (err) {
    assert.match((err as Error).message, /is not present, and FAULTLINE_NO_PULL=1 forbids pulling it$/);
  }
  assert.equal(pulls(f), []);
});

test.run();
