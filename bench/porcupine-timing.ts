// Porcupine's own check times, as ../shared/tools/porcupine-timing prints them (its zz_timing_test.go run with
// `go test -run TestZZTiming -v`): one line per history, `file<TAB>verdict<TAB>median_ms`, with the file named
// relative to Porcupine's test_data/ (jepsen/etcd_000.log, kv/c01-ok.txt). Other lines of go test's output
// (=== RUN, PASS, ok ...) and the TOTAL_ETCD line are skipped, so the whole output can be given as it is.
// Several outputs (runs taken between the benchmark's rounds, on a loaded machine) give each file the median of
// its figures.
import { readFileSync } from 'node:fs';

export interface PorcupineTiming {
  /** Porcupine's verdict: true when it found the history linearizable. */
  linearizable: boolean;
  ms: number;
}

/** File (relative to test_data/) → Porcupine's median time and verdict. Throws a one-line error on bad input. */
export function readPorcupineTimings(path: string): Map<string, PorcupineTiming> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`cannot read the Porcupine timings ${path}: ${(e as Error).message}`);
  }
  const out = new Map<string, PorcupineTiming>();
  for (const line of text.split('\n')) {
    const f = line.trim().split('\t');
    if (f.length !== 3 || !/^(jepsen|kv)\//.test(f[0])) continue;
    const ms = Number(f[2]);
    if ((f[1] !== 'true' && f[1] !== 'false') || !Number.isFinite(ms) || ms < 0)
      throw new Error(`${path}: not a Porcupine timing line (file, true|false, ms): ${JSON.stringify(line)}`);
    out.set(f[0], { linearizable: f[1] === 'true', ms });
  }
  if (out.size === 0) throw new Error(`${path}: no timing lines (expected the output of zz_timing_test.go)`);
  return out;
}

/** Several timing files: per history, the median of its times (a file that lacks it is skipped) and the verdict. */
export function readPorcupineTimingRuns(paths: readonly string[]): Map<string, PorcupineTiming> {
  const runs = paths.map(readPorcupineTimings);
  const out = new Map<string, PorcupineTiming>();
  for (const name of new Set(runs.flatMap((r) => [...r.keys()]))) {
    const seen = runs.flatMap((r) => r.get(name) ?? []);
    if (seen.some((t) => t.linearizable !== seen[0].linearizable))
      throw new Error(`Porcupine's verdict on ${name} differs between the timing files`);
    const ms = seen.map((t) => t.ms).sort((a, b) => a - b);
    out.set(name, { linearizable: seen[0].linearizable, ms: ms[Math.floor(ms.length / 2)] });
  }
  return out;
}
