#!/usr/bin/env node
// The fault walk of scripts/walks.mjs: brings a 3-node reference cluster up on a runtime, then, with V8's
// precise coverage counting from that moment only, plans one partition (isolate-one), lets the nemesis start
// it on schedule, stop it, and run its final heal. Prints the coverage of the fault as its last line (JSON).
//
//   node scripts/walk-fault.mjs ROOT local|docker LOGDIR
//
// ROOT is the checkout measured (its dist/ is imported): the paths below are the ones every version of the
// harness since the nemesis schedule has had.
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [root, kind, logDir] = process.argv.slice(2);
const load = (p) => import(pathToFileURL(join(root, 'dist', p)).href);
const { referenceSpec } = await load('targets/reference/cluster.js');
const { Random } = await load('harness/generator/random.js');
const { plan } = await load('harness/nemesis/plan.js');
const { Nemesis } = await load('harness/nemesis/schedule.js');
const { parseNemesisSpec } = await load('harness/nemesis/packages.js');
const runtime =
  kind === 'docker'
    ? new (await load('harness/runtime/docker/docker-runtime.js')).DockerRuntime({ log: () => undefined })
    : new (await load('harness/runtime/local/local-runtime.js')).LocalRuntime();

const spec = referenceSpec({ runId: `flwalk${Date.now().toString(36)}`, nodes: 3, logDir });
const handles = await runtime.up(spec);
const session = new Session();
session.connect();
let coverage;
try {
  await session.post('Profiler.enable');
  await session.post('Profiler.startPreciseCoverage', { callCount: true, detailed: false });
  await session.post('Profiler.takePreciseCoverage'); // what ran so far (the bring-up) is dropped
  const packages = parseNemesisSpec('partition:isolate-one').packages;
  const steps = plan('alternate', packages.length, { intervalMs: 1000, horizonMs: 2000 }, new Random(1));
  const t0 = performance.now();
  const nemesis = new Nemesis({
    packages,
    steps,
    rnd: new Random(2),
    record: () => undefined,
    now: () => Math.round((performance.now() - t0) * 1e6),
    log: () => undefined,
    elapsedMs: () => performance.now() - t0,
    ctx: {
      runtime,
      nodes: handles.map((h) => h.name),
      rnd: new Random(3),
      leader: async () => undefined,
      hotKey: () => undefined,
    },
  });
  nemesis.start();
  await new Promise((r) => setTimeout(r, 2200));
  await nemesis.stop();
  coverage = (await session.post('Profiler.takePreciseCoverage')).result;
  await session.post('Profiler.stopPreciseCoverage');
} finally {
  session.disconnect();
  await runtime.down();
}
process.stdout.write(`${JSON.stringify({ result: coverage })}\n`);
