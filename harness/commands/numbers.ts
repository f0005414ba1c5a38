// Numeric flags checked where yargs parses them, so an error names the flag and echoes what was typed
// ("--nodes: expected a whole number from 1 to 9, got 'abc'"). A flag declared `type: 'number'` is turned into
// NaN by the parser before any check sees it, which is how "got NaN" came about; a flag declared with no type
// keeps what is not a number as its text, and the coercion here reads that.

export interface NumberRule {
  /** An integer (a safe one). */
  whole?: boolean;
  /** The smallest value allowed. */
  min?: number;
  /** The largest value allowed. */
  max?: number;
  /** Zero is not allowed even when min is 0: "above 0". */
  positive?: boolean;
}

/** The rule in words: "a whole number from 1 to 9", "a number above 0", "a number of at least 0". */
export function ruleText(r: NumberRule): string {
  const what = r.whole ? 'a whole number' : 'a number';
  if (r.positive) return `${what} above 0${r.max !== undefined ? ` and at most ${r.max}` : ''}`;
  if (r.min !== undefined && r.max !== undefined) return `${what} from ${r.min} to ${r.max}`;
  if (r.min !== undefined) return `${what} of at least ${r.min}`;
  if (r.max !== undefined) return `${what} of at most ${r.max}`;
  return what;
}

/** The value of a flag (`what`: "--nodes") as the rule allows it, or an error that quotes what was given. */
export function checkNumber(what: string, r: NumberRule, given: unknown): number {
  const bad = (): never => {
    const shown = Array.isArray(given)
      ? `${given.length} values (${given.map(String).join(', ')}); give it once`
      : given === true || given === '' || given === undefined
        ? 'nothing'
        : `'${String(given)}'`;
    throw new Error(`${what}: expected ${ruleText(r)}, got ${shown}`);
  };
  if (typeof given !== 'number' && typeof given !== 'string') return bad();
  if (typeof given === 'string' && given.trim() === '') return bad();
  const n = Number(given);
  if (!Number.isFinite(n)) return bad();
  if (r.whole && !Number.isSafeInteger(n)) return bad();
  if (r.positive && !(n > 0)) return bad();
  if (r.min !== undefined && n < r.min) return bad();
  if (r.max !== undefined && n > r.max) return bad();
  return n;
}

/** What numberOption gives: fits both yargs' Options and PositionalOptions. */
export interface NumberOption {
  describe: string;
  default?: number;
  requiresArg?: boolean;
  coerce: (v: unknown) => number;
}

/**
 * A yargs option (or positional) for a number. The rule is appended to the description, so help says what is
 * allowed where it would have said [number]. `name`: the flag without dashes, or a positional's name.
 */
export function numberOption(
  name: string,
  r: NumberRule,
  o: { describe: string; default?: number; positional?: boolean },
): NumberOption {
  const { positional, ...rest } = o;
  return {
    ...rest,
    describe: `${o.describe} [${ruleText(r)}]`,
    ...(positional ? {} : { requiresArg: true }),
    coerce: (v: unknown) => checkNumber(positional ? name : `--${name}`, r, v),
  };
}
