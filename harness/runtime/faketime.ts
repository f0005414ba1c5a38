// libfaketime's control file, shared by both runtimes: the harness rewrites it and the preloaded library picks
// the offset up within FAKETIME_CACHE_DURATION seconds. DESIGN.md ("Fault mechanisms") says why both settings
// below are mandatory.
import { existsSync, renameSync, writeFileSync } from 'node:fs';

/** libfaketime's relative-offset syntax for an offset in ms: "+60s", "-2.5s", "+0s". */
export function faketimeOffset(offsetMs: number): string {
  if (!Number.isFinite(offsetMs)) throw new Error(`clock offset must be a finite number of ms, got ${offsetMs}`);
  const s = Math.abs(offsetMs) / 1000;
  const text = Number.isInteger(s) ? String(s) : s.toFixed(3).replace(/0+$/, '');
  return `${offsetMs < 0 ? '-' : '+'}${text}s`;
}

/** Writes the offset atomically (a reader never sees a half-written file). */
export function writeFaketimeFile(file: string, offsetMs: number): void {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, `${faketimeOffset(offsetMs)}\n`);
  renameSync(tmp, file);
}

/** The environment that makes a dynamically linked program read its clock offset from `file`. */
export function faketimeEnv(lib: string, file: string): Record<string, string> {
  return {
    LD_PRELOAD: lib,
    FAKETIME_TIMESTAMP_FILE: file,
    FAKETIME_CACHE_DURATION: '1',
    FAKETIME_DONT_FAKE_MONOTONIC: '1',
  };
}

export const LIBFAKETIME_PATHS = [
  '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1',
  '/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1',
  '/usr/lib/faketime/libfaketime.so.1',
  '/usr/local/lib/faketime/libfaketime.so.1',
];

export const CLOCK_UNSUPPORTED = 'clock faults need libfaketime (apt-get install faketime)';

export function findLibfaketime(): string | undefined {
  const env = process.env.FAULTLINE_LIBFAKETIME;
  if (env) return existsSync(env) ? env : undefined;
  return LIBFAKETIME_PATHS.find((p) => existsSync(p));
}
