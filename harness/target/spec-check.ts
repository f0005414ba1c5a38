// The shape of what a target's code hands the harness, declared once and checked before anything uses it: the
// cluster spec cluster() returns and the process spec node() returns for each node. A mistake in a user's module
// is then one line naming the target, the field and what was expected ('target "x": spec.ports[1].kind must be
// "client" or "peer", got the string "pear"'), never a TypeError from deep inside a runtime ("spec.ports.filter
// is not a function"). One Rule per kind of field; the two shapes below are made of them and nothing else.

/** A field that does not fit: where, what it should be, and what it was. */
export interface Misfit {
  path: string;
  expected: string;
  got: string;
}

/** Checks a value at `path`: undefined when it fits. */
export type Rule = ((v: unknown, path: string) => Misfit | undefined) & { readonly expected: string };

const MAX_QUOTED = 40;

/** What a wrong value was, briefly and safely (never the whole of a long string or a big object). */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  switch (typeof v) {
    case 'string': {
      const q = JSON.stringify(v.length > MAX_QUOTED ? `${v.slice(0, MAX_QUOTED)}…` : v);
      return `the string ${q}`;
    }
    case 'number':
    case 'bigint':
      return `the number ${String(v)}`;
    case 'boolean':
      return String(v);
    case 'function':
      return 'a function';
    case 'symbol':
      return 'a symbol';
    default:
      return 'an object';
  }
}

function rule(expected: string, check: (v: unknown, path: string) => Misfit | undefined): Rule {
  return Object.assign(check, { expected });
}

/** A leaf: `ok` decides, `expected` says what would have fitted. */
function leaf(expected: string, ok: (v: unknown) => boolean): Rule {
  return rule(expected, (v, path) => (ok(v) ? undefined : { path, expected, got: describeValue(v) }));
}

export const fn = (what = 'a function'): Rule => leaf(what, (v) => typeof v === 'function');
export const bool = (): Rule => leaf('true or false', (v) => typeof v === 'boolean');
export const text = (max = 100_000): Rule =>
  leaf(`a string (at most ${max} characters)`, (v) => typeof v === 'string' && v.length <= max);
/** A path relative to a node's data directory that cannot leave it (no leading /, no .. segment). */
export const relativePath = (): Rule =>
  leaf(
    'a relative path inside the data directory',
    (v) =>
      typeof v === 'string' &&
      v.length > 0 &&
      v.length <= 4096 &&
      !v.startsWith('/') &&
      !v.includes('\0') &&
      !v.split('/').includes('..'),
  );
export const name = (): Rule =>
  leaf(
    'a name of letters, digits, "." "_" or "-" (at most 64)',
    (v) => typeof v === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(v),
  );
export const portNumber = (): Rule =>
  leaf(
    'a port number (an integer from 1 to 65535)',
    (v) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 65535,
  );
export const oneOf = (...values: string[]): Rule =>
  leaf(values.map((x) => JSON.stringify(x)).join(' or '), (v) => typeof v === 'string' && values.includes(v));

const isPlain = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** An array of min..max items, each fitting `item`; `distinct` names a field whose values must not repeat. */
export function arrayOf(item: Rule, what: string, o: { min?: number; max: number; distinct?: string }): Rule {
  const min = o.min ?? 0;
  const expected = `an array of ${what} (${min > 0 ? `${min} to ${o.max}` : `at most ${o.max}`})`;
  return rule(expected, (v, path) => {
    if (!Array.isArray(v) || v.length < min || v.length > o.max) return { path, expected, got: describeValue(v) };
    const seen = new Set<unknown>();
    for (const [i, x] of v.entries()) {
      const m = item(x, `${path}[${i}]`);
      if (m) return m;
      if (o.distinct) {
        const key = (x as Record<string, unknown>)[o.distinct];
        if (seen.has(key))
          return {
            path: `${path}[${i}].${o.distinct}`,
            expected: `a ${o.distinct} not used before`,
            got: describeValue(key),
          };
        seen.add(key);
      }
    }
    return undefined;
  });
}

/** An object of up to `max` entries whose keys are names and whose values fit `item` (an environment). */
export function recordOf(item: Rule, what: string, max: number): Rule {
  const expected = `an object of ${what} (up to ${max})`;
  return rule(expected, (v, path) => {
    if (!isPlain(v) || Object.keys(v).length > max) return { path, expected, got: describeValue(v) };
    for (const [k, x] of Object.entries(v)) {
      const m = item(x, `${path}.${k}`);
      if (m) return m;
    }
    return undefined;
  });
}

interface Field {
  rule: Rule;
  optional?: boolean;
}

/**
 * An object with exactly these fields: each required one present and fitting, optional ones fitting when
 * given, and nothing else (a misspelt field is refused, not silently ignored).
 */
export function objectOf(what: string, fields: Record<string, Field>): Rule {
  const known = Object.keys(fields);
  return rule(what, (v, path) => {
    if (!isPlain(v)) return { path, expected: what, got: describeValue(v) };
    for (const [k, f] of Object.entries(fields)) {
      if (v[k] === undefined) {
        if (f.optional) continue;
        return { path: `${path}.${k}`, expected: f.rule.expected, got: 'nothing' };
      }
      const m = f.rule(v[k], `${path}.${k}`);
      if (m) return m;
    }
    const extra = Object.keys(v).find((k) => !known.includes(k));
    if (extra !== undefined)
      return {
        path: `${path}.${extra}`,
        expected: `absent (the fields are ${known.join(', ')})`,
        got: describeValue(v[extra]),
      };
    return undefined;
  });
}

const optional = (r: Rule): Field => ({ rule: r, optional: true });
const required = (r: Rule): Field => ({ rule: r });

/** A declared port (harness/runtime/spec.ts PortDecl). */
const PORT = objectOf('a port declaration { name, kind, container }', {
  name: required(name()),
  kind: required(oneOf('client', 'peer')),
  container: required(portNumber()),
});

/** What cluster() returns (ClusterSpec without the fields the harness fills in). */
export const CLUSTER_SPEC = objectOf(
  'a cluster spec { ports, node, health, clockFaults, image?, install?, dataFiles? }',
  {
    ports: required(
      arrayOf(PORT, 'port declarations { name, kind, container }', { min: 1, max: 64, distinct: 'name' }),
    ),
    node: required(fn('a function node(name, addressing) returning { command, env? }')),
    health: required(fn('a function health(nodes, names?) resolving to undefined or why not')),
    clockFaults: required(bool()),
    image: optional(fn('a function image(builder) resolving to an image tag')),
    install: optional(fn('a function install(installer)')),
    dataFiles: optional(arrayOf(relativePath(), 'relative paths of data files or folders', { max: 1000 })),
  },
);

/** What node() returns (NodeProcessSpec). */
export const NODE_PROCESS = objectOf('a process spec { command, env? }', {
  command: required(arrayOf(text(), 'strings', { max: 10_000 })),
  env: optional(recordOf(text(), 'strings', 10_000)),
});

/** The one-line error for a value that does not fit `r`, or undefined when it fits. */
export function misfitError(target: string, r: Rule, v: unknown, path: string): Error | undefined {
  const m = r(v, path);
  return m && new Error(`target ${JSON.stringify(target)}: ${m.path} must be ${m.expected}, got ${m.got}`);
}
