// Target options from the command line: `--target-opt NAME=VALUE`, repeatable. Unknown names and values outside
// an option's choices are refused with a one-line error before anything starts; defaults fill the rest.
import type { Target, TargetOptions } from './types.js';

export function parseTargetOpts(pairs: readonly string[]): TargetOptions {
  const out: TargetOptions = {};
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new Error(`--target-opt expects NAME=VALUE, got "${p}"`);
    const k = p.slice(0, eq).trim();
    const v = p.slice(eq + 1).trim();
    if (k in out && out[k] !== v)
      out[k] = `${out[k]},${v}`; // repeated: a list (e.g. bug=a --target-opt bug=b)
    else out[k] = v;
  }
  return out;
}

/** Validated options with defaults filled in (an option without a default and not given is absent). */
export function resolveTargetOpts(t: Target, given: TargetOptions): TargetOptions {
  const decl = t.options ?? {};
  const out: TargetOptions = {};
  for (const [k, v] of Object.entries(given)) {
    const d = decl[k];
    if (!d) {
      const known = Object.keys(decl);
      throw new Error(
        `target ${t.name} has no option "${k}"${known.length ? `; known: ${known.join(', ')}` : ' (it takes none)'}`,
      );
    }
    if (d.choices && !v.split(',').every((x) => d.choices!.includes(x)))
      throw new Error(`--target-opt ${k}=${v}: expected one of ${d.choices.join(', ')}`);
    out[k] = v;
  }
  for (const [k, d] of Object.entries(decl)) if (!(k in out) && d.default !== undefined) out[k] = d.default;
  t.validate?.(out);
  return out;
}
