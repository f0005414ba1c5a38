// npm run bench:readers — what reading a history costs, in time and memory, for the inputs issue 22 item 3 names:
//   1. one 50 MiB string written and read back, as EDN and as JSONL (EDN strings should read at JSONL's speed);
//   2. an EDN file of one 200 MiB string (refused at the 64 MiB string limit, never read until V8 runs out);
//   3. a 256 MiB EDN history of register operations (RSS under 1.5 GiB, or a one-line refusal before that);
//   4. a 120 MiB EDN history of 1.6M operations checked with --timeout 30 (the timeout covers reading).
// Each is `faultline check FILE` as a child process under /usr/bin/time: wall and CPU seconds, peak RSS, exit code
// and the first line it printed. BENCH_READERS_SCALE (default 1) scales the sizes down for a quick run. Figures
// depend on the machine's load: CPU seconds vary less than wall seconds; compare ratios taken in one sitting.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI } from '../test/helpers/paths.js';

const SCALE = Number(process.env.BENCH_READERS_SCALE ?? 1);
const MiB = 2 ** 20;
const dir = mkdtempSync(join(tmpdir(), 'fl-bench-readers-'));
const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

/** Writes a file from pieces produced on demand (never the whole text in memory). */
function writeFile(name: string, pieces: Iterable<string>): string {
  const p = join(dir, name);
  const fd = openSync(p, 'w');
  for (const s of pieces) writeSync(fd, s);
  closeSync(fd);
  return p;
}

function* repeat(s: string, times: number): Iterable<string> {
  for (let i = 0; i < times; i++) yield s;
}

/** A history writing one long string and reading it back, as EDN or JSONL. */
function* longString(format: 'edn' | 'jsonl', bytes: number): Iterable<string> {
  const chunk = 'x'.repeat(MiB);
  const body = function* (): Iterable<string> {
    yield* repeat(chunk, Math.floor(bytes / MiB));
  };
  for (const [type, proc, f] of [
    ['invoke', 0, 'write'],
    ['ok', 0, 'write'],
    ['invoke', 1, 'read'],
    ['ok', 1, 'read'],
  ] as const) {
    const withValue = !(type === 'invoke' && f === 'read');
    if (format === 'edn') {
      yield `{:process ${proc} :type :${type} :f :${f}${withValue ? ' :value "' : ''}`;
      if (withValue) {
        yield* body();
        yield '"';
      }
      yield '}\n';
    } else {
      yield `{"type":"${type}","process":${proc},"f":"${f}"${withValue ? ',"value":"' : ''}`;
      if (withValue) {
        yield* body();
        yield '"';
      }
      yield '}\n';
    }
  }
}

/** A valid cas-register history of `ops` writes, each an invoke and an ok (about 75 bytes an event). */
function* registerOps(ops: number): Iterable<string> {
  for (let i = 0; i < ops; i += 1000) {
    let s = '';
    for (let j = i; j < Math.min(ops, i + 1000); j++) {
      const p = j % 10;
      s += `{:process ${p}, :type :invoke, :f :write, :value ${j}, :time ${2 * j}}\n`;
      s += `{:process ${p}, :type :ok, :f :write, :value ${j}, :time ${2 * j + 1}}\n`;
    }
    yield s;
  }
}

function check(label: string, file: string, args: string[] = []): void {
  const r = spawnSync('/usr/bin/time', ['-f', 'fl_time %e %U %S %M', process.execPath, CLI, 'check', ...args, file], {
    encoding: 'utf8',
    maxBuffer: 16 * MiB,
  });
  const m = /fl_time ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(r.stderr);
  const out = `${r.stdout}${r.stderr}`.split('\n').find((l) => l && !l.startsWith('fl_time')) ?? '';
  const figures = m
    ? `${m[1]} s wall, ${(Number(m[2]) + Number(m[3])).toFixed(2)} s CPU, ` +
      `peak RSS ${(Number(m[4]) / 1024).toFixed(0)} MiB`
    : 'no figures (/usr/bin/time missing?)';
  console.log(`${label} (${(statSync(file).size / MiB).toFixed(0)} MiB): exit ${r.status}, ${figures}`);
  console.log(`   > ${out.slice(0, 160)}`);
}

console.log(`bench:readers on ${process.platform}, node ${process.version}; scale ${SCALE}; load average ${load()}`);
const s50 = Math.round(50 * SCALE) * MiB;
check('1. 50 MiB string, EDN ', writeFile('s50.edn', longString('edn', s50)));
check('   50 MiB string, JSONL', writeFile('s50.jsonl', longString('jsonl', s50)));
const s200 = Math.round(200 * SCALE) * MiB;
check(
  '2. one 200 MiB EDN string',
  writeFile(
    's200.edn',
    (function* () {
      yield '"';
      yield* repeat('y'.repeat(MiB), s200 / MiB);
      yield '"\n';
    })(),
  ),
);
rmSync(join(dir, 's200.edn'));
// About 75 bytes an event, two events an op: 256 MiB is ~1.8M ops, 120 MiB ~0.84M (the 1.6M ops were
// shorter; the size is what matters here).
check('3. 256 MiB EDN register history', writeFile('r256.edn', registerOps(Math.round(1_790_000 * SCALE))));
rmSync(join(dir, 'r256.edn'));
check('4. 120 MiB EDN, --timeout 30', writeFile('r120.edn', registerOps(Math.round(840_000 * SCALE))), [
  '--timeout',
  '30',
]);
rmSync(dir, { recursive: true, force: true });
console.log(`load average ${load()}`);
