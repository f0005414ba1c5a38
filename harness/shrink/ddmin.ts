// Delta debugging: Zeller and Hildebrandt, "Simplifying and Isolating Failure-Inducing Input" (IEEE TSE 28(2),
// 2002), the ddmin algorithm. Given items for which `fails` holds, it finds a subset for which it still holds
// and which is 1-minimal: removing any single item makes it pass. It tries n chunks, then their complements,
// doubling n when neither reduces, so a failure caused by a few items among many is found in about
// k·log(n) tests. `fails` must be deterministic; a budget stops it early with the smallest failing set so far.

export interface DdminOptions {
  /** Stop (returning the best so far) when this returns true; checked before every test. */
  expired?: () => boolean;
}

export interface DdminResult<T> {
  items: T[];
  tests: number;
  /** True when it stopped on the budget, before proving 1-minimality. */
  stoppedEarly: boolean;
}

function split<T>(xs: readonly T[], n: number): T[][] {
  const out: T[][] = [];
  let start = 0;
  for (let i = 0; i < n; i++) {
    const end = start + Math.floor((xs.length - start) / (n - i));
    out.push(xs.slice(start, end));
    start = end;
  }
  return out.filter((c) => c.length > 0);
}

export function ddmin<T>(input: readonly T[], fails: (subset: T[]) => boolean, o: DdminOptions = {}): DdminResult<T> {
  let items = input.slice();
  let n = 2;
  let tests = 0;
  const test = (s: T[]): boolean => {
    tests++;
    return fails(s);
  };
  while (items.length >= 2) {
    if (o.expired?.()) return { items, tests, stoppedEarly: true };
    const chunks = split(items, Math.min(n, items.length));
    let reduced = false;
    for (const c of chunks) {
      if (o.expired?.()) return { items, tests, stoppedEarly: true };
      if (test(c)) {
        items = c;
        n = 2;
        reduced = true;
        break;
      }
    }
    if (!reduced && chunks.length > 2) {
      for (let i = 0; i < chunks.length; i++) {
        if (o.expired?.()) return { items, tests, stoppedEarly: true };
        const complement = chunks.filter((_, j) => j !== i).flat();
        if (test(complement)) {
          items = complement;
          n = Math.max(n - 1, 2);
          reduced = true;
          break;
        }
      }
    }
    if (!reduced) {
      if (n >= items.length) break;
      n = Math.min(items.length, n * 2);
    }
  }
  return { items, tests, stoppedEarly: false };
}
