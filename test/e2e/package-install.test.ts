// Faultline as an npm dependency, the way a user gets it: `npm pack` here (prepack builds dist/), the tarball
// installed into a fresh project of its own (npm hoists Faultline's dependencies beside it, which is what broke
// the node image's pino lookup), a target written there in TypeScript against `import { defineTarget } from
// 'faultline'` and type-checked with tsc, then run through the installed CLI with `--target ./target.ts` on the
// local runtime and, with a docker engine, on the docker runtime (the user's target and the reference cluster);
// the disk-fault layer, shipped as C sources, builds on first use.
// The install prefers npm's cache (filled by `npm ci`) and asks the registry only for what is not there.
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { dockerTest } from '../helpers/docker.js';
import { ROOT } from '../helpers/paths.js';

const work = mkdtempSync(join(tmpdir(), 'fl-package-'));
const project = join(work, 'project');
const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const tarball = join(work, `faultline-${version}.tgz`);

// The child npm must not inherit this process's npm lifecycle variables (npm test sets npm_command, npm_config_*).
const env: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !k.startsWith('npm_') && k !== 'INIT_CWD'),
);
Object.assign(env, { npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' });

/** Runs a command to its end; prints how long it took (the steps' cost shows in CI's log). */
function sh(cmd: string, args: string[], cwd: string, timeoutMs = 240_000): { code: number | null; out: string } {
  const t0 = Date.now();
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] });
  const what = [cmd, ...args.slice(0, 4).map((a) => a.split('\n')[0].slice(0, 60))].join(' ');
  console.log(`[package] ${what}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return { code: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? `\n${r.error.message}` : ''}` };
}

const tail = (s: string): string => s.split('\n').slice(-30).join('\n');

test('npm pack ships dist (built by prepack), bin, docker, docs, examples and the layer sources, nothing else', () => {
  const r = sh('npm', ['pack', '--pack-destination', work], ROOT);
  assert.is(r.code, 0, tail(r.out));
  const files = sh('tar', ['-tzf', tarball], work)
    .out.split('\n')
    .filter(Boolean)
    .map((f) => f.replace(/^package\//, ''));
  for (const want of [
    'package.json',
    'bin/faultline.js',
    'dist/harness/cli.js',
    'dist/harness/public.js',
    'dist/types/harness/public.d.ts',
    'dist/system/node/main.js',
    'docker/Dockerfile',
    'docs/cli.md',
    'examples/primary-backup/server.js',
    'harness/runtime/disk/faultfs.c',
    'scripts/build-faultfs.mjs',
  ])
    assert.ok(files.includes(want), `${want} is missing from the tarball`);
  const unwanted = files.filter(
    (f) =>
      /^(test|bench|\.ci|dist\/test|dist\/bench)\//.test(f) ||
      f.endsWith('.map') ||
      (f.endsWith('.ts') && !f.endsWith('.d.ts')) ||
      f === 'dist/harness/runtime/disk/faultfs',
  );
  assert.equal(unwanted, [], 'tests, benches, CI, sources, maps and a prebuilt binary stay out');
});

test('installed from the tarball into a new project: a real folder, dependencies hoisted, npx faultline works', () => {
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), '{"name":"user-project","private":true,"type":"module"}\n');
  const r = sh('npm', ['install', '--prefer-offline', tarball], project);
  assert.is(r.code, 0, tail(r.out));
  const nm = join(project, 'node_modules');
  assert.ok(lstatSync(join(nm, 'faultline')).isDirectory(), 'an installed copy, not a link to the clone');
  assert.ok(existsSync(join(nm, 'pino', 'package.json')), 'pino hoisted into the project');
  assert.not.ok(existsSync(join(nm, 'faultline', 'node_modules', 'pino')), 'pino not under faultline/');
  const help = sh('npx', ['faultline', '--help'], project, 60_000);
  assert.is(help.code, 0, tail(help.out));
  assert.match(help.out, /faultline run/);
});

// The example server (what a user copies from the tutorial) and a typed target for it: register ops over HTTP.
const TARGET = `import { fileURLToPath } from 'node:url';
import { defineTarget, type Addressing, type ClientContext, type Completion, type OpSpec } from 'faultline';

const here = (f: string): string => fileURLToPath(new URL(f, import.meta.url));

async function call(url: string, method: string, body: unknown, timeoutMs: number): Promise<Response | string> {
  try {
    const init = { method, body: body === undefined ? undefined : JSON.stringify(body) };
    return await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    return (e as Error).name;
  }
}

const cas = ([from, to]: number[]): { from: number; to: number } => ({ from, to });

function register({ nodes, opTimeoutMs }: ClientContext) {
  const primary = nodes[0].url;
  return {
    async invoke(op: OpSpec): Promise<Completion> {
      const r =
        op.f === 'read'
          ? await call(\`\${primary}/kv/\${op.key}\`, 'GET', undefined, opTimeoutMs)
          : op.f === 'write'
            ? await call(\`\${primary}/kv/\${op.key}\`, 'PUT', { value: op.value }, opTimeoutMs)
            : await call(\`\${primary}/cas/\${op.key}\`, 'POST', cas(op.value as number[]), opTimeoutMs);
      if (typeof r === 'string') return op.f === 'read' ? { type: 'fail', error: r } : { type: 'info', error: r };
      const body = (await r.json()) as { value?: unknown; error?: string };
      if (r.status === 200) return op.f === 'read' ? { type: 'ok', value: body.value } : { type: 'ok' };
      if (r.status === 409 || r.status === 503) return { type: 'fail', error: body.error ?? String(r.status) };
      const error = \`HTTP \${r.status}\`;
      return op.f === 'read' ? { type: 'fail', error } : { type: 'info', error };
    },
    close(): void {},
  };
}

export default defineTarget({
  name: 'typed-primary-backup',
  describe: 'the primary-backup example, targeted from TypeScript',
  cluster: () => ({
    ports: [
      { name: 'http', kind: 'client', container: 8080 },
      { name: 'repl', kind: 'peer', container: 9090 },
    ],
    node: (name: string, a: Addressing) => {
      const args = ['--name', name, '--listen', a.listenHost, '--port', String(a.port(name, 'http')),
        '--repl-port', String(a.port(name, 'repl'))];
      if (name === a.names[0]) args.push('--backups', a.names.slice(1).map((n) => a.peerAddr(n, 'repl')).join(','));
      return { command: a.runtime === 'local' ? [process.execPath, here('./server.js'), ...args] : args };
    },
    image: (b) =>
      b.build({ name: 'typed-pb', dockerfile: here('./Dockerfile'), files: { 'server.js': here('./server.js') } }),
    async health(nodes, names) {
      for (const n of nodes.filter((x) => !names || names.includes(x.name))) {
        const r = await call(\`\${n.url}/health\`, 'GET', undefined, 1000);
        if (typeof r === 'string' || (!names && r.status !== 200)) return \`\${n.name} not ready\`;
      }
      return undefined;
    },
    clockFaults: false,
  }),
  clients: { register },
  refuses: () => ({ clock: 'the server keeps no time' }),
  leader: async (nodes) => nodes[0].name,
});
`;

// Wrong on purpose, so that a pass above cannot come from types that resolved to nothing (any).
const WRONG = `import { defineTarget } from 'faultline';
export default defineTarget({ name: 7, describe: 'x', clients: {} });
`;

test('the TypeScript target type-checks against the installed types; a wrong one is caught', () => {
  const ex = join(project, 'node_modules', 'faultline', 'examples', 'primary-backup');
  copyFileSync(join(ex, 'server.js'), join(project, 'server.js'));
  copyFileSync(join(ex, 'Dockerfile'), join(project, 'Dockerfile'));
  writeFileSync(join(project, 'target.ts'), TARGET);
  writeFileSync(join(project, 'wrong.ts'), WRONG);
  const compilerOptions = {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    lib: ['ES2022'],
    strict: true,
    noEmit: true,
    skipLibCheck: true, // as most projects set it; wrong.ts below shows the types are not 'any'
    // @types/node from this clone: the project installed nothing but Faultline.
    typeRoots: [join(ROOT, 'node_modules', '@types')],
    types: ['node'],
  };
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['target.ts', 'wrong.ts'] }));
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = sh(process.execPath, [tsc, '-p', 'tsconfig.json'], project, 120_000);
  const errors = r.out.split('\n').filter((l) => /error TS\d+/.test(l));
  assert.ok(errors.length > 0, `tsc found nothing wrong in wrong.ts:\n${r.out}`);
  assert.equal(
    errors.filter((l) => !l.startsWith('wrong.ts(')),
    [],
    'target.ts and the installed declarations type-check',
  );
  rmSync(join(project, 'wrong.ts'));
});

test('the disk-fault layer is not shipped built, and builds on first use from the installed package', () => {
  const disk = join(project, 'node_modules', 'faultline', 'dist', 'harness', 'runtime', 'disk');
  assert.not.ok(existsSync(join(disk, 'faultfs')), 'no binary in the package');
  const probe = `import { diskFaultsAvailable } from ${JSON.stringify(join(disk, 'availability.js'))};
console.log(JSON.stringify(diskFaultsAvailable()));`;
  const r = sh(process.execPath, ['--input-type=module', '-e', probe], project, 120_000);
  const tools = sh('sh', ['-c', 'command -v gcc && test -e /usr/include/fuse3/fuse.h'], project).code === 0;
  if (tools) {
    assert.ok(existsSync(join(disk, 'faultfs')), `gcc and libfuse3-dev are here, yet no build:\n${r.out}`);
    assert.match(r.out, /faultfs: built the disk-fault layer on first use/);
  } else assert.match(r.out, /disk faults are unavailable: .*(gcc|libfuse3)/);
});

const RUN = ['faultline', 'run', '--target', './target.ts', '--workload', 'register', '--nodes', '3'];
const SHORT = ['--time-limit', '4', '--nemesis', 'none', '--out', 'results'];

test('local runtime: the TypeScript target runs through the installed CLI and is valid', () => {
  const r = sh('npx', [...RUN, '--runtime', 'local', ...SHORT], project);
  assert.is(r.code, 0, tail(r.out));
  assert.match(r.out, /VALID\s+\S+\/report\.html/);
});

dockerTest(test, 'docker runtime: the TypeScript target, and the reference cluster, from the installed package', () => {
  const mine = sh('npx', [...RUN, '--runtime', 'docker', ...SHORT], project);
  assert.is(mine.code, 0, tail(mine.out));
  assert.match(mine.out, /VALID\s+\S+\/report\.html/);
  // The node image's packages (pino, yargs and theirs) come from the project's node_modules, where npm put them.
  const ref = sh(
    'npx',
    [
      'faultline',
      'run',
      '--target',
      'reference',
      '--workload',
      'register',
      '--nodes',
      '3',
      '--runtime',
      'docker',
      ...SHORT,
    ],
    project,
  );
  assert.is(ref.code, 0, tail(ref.out));
  assert.match(ref.out, /VALID\s+\S+\/report\.html/);
});

test.after(() => rmSync(work, { recursive: true, force: true }));

test.run();
