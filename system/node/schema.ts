// A small language for the JSON shapes of the node API, in the spirit of Maelstrom's schemas (declared once,
// docs generated from them): each builder returns a value that describes a shape at run time (for the table in
// docs/node.md, system/node/api-table.ts, and for checking real answers in tests, conforms()) and carries the
// TypeScript type of that shape (Infer<typeof X>), so the types the server and the clients compile against are
// derived from the same declaration and cannot drift from the documentation.

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** The run-time description of a shape. */
export type Shape =
  | { kind: 'string' | 'integer' | 'number' | 'boolean' | 'null' | 'json' }
  | { kind: 'literal'; value: string | number | boolean }
  | { kind: 'array'; of: Shape }
  | { kind: 'tuple'; items: Shape[] }
  | { kind: 'record'; of: Shape }
  | { kind: 'object'; fields: [name: string, shape: Shape, optional: boolean][] }
  | { kind: 'union'; of: Shape[] }
  | { kind: 'named'; name: string; doc: string; shape: Shape };

/** A shape whose values have the TypeScript type T (T exists only for the compiler). */
export interface S<T> {
  readonly shape: Shape;
  readonly __type?: T;
}
/** An object field that may be absent. */
export interface Optional<T> {
  readonly optional: S<T>;
}

export type Infer<X> = X extends S<infer T> ? T : X extends Optional<infer T> ? T : never;

type Fields = Record<string, S<unknown> | Optional<unknown>>;
type OptionalKeys<F extends Fields> = { [K in keyof F]: F[K] extends Optional<unknown> ? K : never }[keyof F];
type Flat<T> = { [K in keyof T]: T[K] } & {};
type ObjectOf<F extends Fields> = Flat<
  { [K in Exclude<keyof F, OptionalKeys<F>>]: Infer<F[K]> } & { [K in OptionalKeys<F>]?: Infer<F[K]> }
>;

const of = <T>(shape: Shape): S<T> => ({ shape });

export const string = (): S<string> => of({ kind: 'string' });
export const integer = (): S<number> => of({ kind: 'integer' });
export const number = (): S<number> => of({ kind: 'number' });
export const boolean = (): S<boolean> => of({ kind: 'boolean' });
export const nul = (): S<null> => of({ kind: 'null' });
/** Any JSON value. */
export const json = (): S<Json> => of({ kind: 'json' });
export const literal = <const V extends string | number | boolean>(value: V): S<V> => of({ kind: 'literal', value });
export const array = <T>(item: S<T>): S<T[]> => of({ kind: 'array', of: item.shape });
export const record = <T>(item: S<T>): S<Record<string, T>> => of({ kind: 'record', of: item.shape });
export const tuple = <const I extends readonly S<unknown>[]>(
  ...items: I
): S<{ -readonly [K in keyof I]: Infer<I[K]> }> => of({ kind: 'tuple', items: items.map((i) => i.shape) });
export const union = <const U extends readonly S<unknown>[]>(...alts: U): S<Infer<U[number]>> =>
  of({ kind: 'union', of: alts.map((a) => a.shape) });
export const optional = <T>(s: S<T>): Optional<T> => ({ optional: s });
export const object = <const F extends Fields>(fields: F): S<ObjectOf<F>> =>
  of({
    kind: 'object',
    fields: Object.entries(fields).map(([k, f]) =>
      'optional' in f ? [k, f.optional.shape, true] : [k, (f as S<unknown>).shape, false],
    ),
  });
/** A shape with a name: the docs list it once and refer to it by name. */
export const named = <T>(name: string, doc: string, s: S<T>): S<T> => of({ kind: 'named', name, doc, shape: s.shape });

/** One endpoint: its method and path, what it is for, its request body and its answers by status code. */
export interface Endpoint {
  method: 'GET' | 'POST';
  path: string;
  summary: string;
  request?: S<unknown>;
  responses: Partial<Record<number, S<unknown>>>;
}

/** The body type of `e`'s answer with status `code`. */
export type ResponseOf<E extends Endpoint, C extends keyof E['responses']> = Infer<E['responses'][C]>;
export type RequestOf<E extends Endpoint> = Infer<E['request']>;

/**
 * Why `v` does not have shape `s` (a path and a reason), or undefined when it does. Iterative, so any depth is
 * walked without recursion; an object may carry fields the shape does not name (clients ignore them).
 */
export function conforms(s: Shape, v: unknown): string | undefined {
  const stack: [Shape, unknown, string][] = [[s, v, '$']];
  while (stack.length > 0) {
    const [sh, x, at] = stack.pop()!;
    switch (sh.kind) {
      case 'named':
        stack.push([sh.shape, x, at]);
        continue;
      case 'json':
        continue;
      case 'string':
      case 'boolean':
      case 'number':
        if (typeof x !== sh.kind || (sh.kind === 'number' && !Number.isFinite(x))) return `${at}: not a ${sh.kind}`;
        continue;
      case 'integer':
        if (!Number.isSafeInteger(x)) return `${at}: not an integer`;
        continue;
      case 'null':
        if (x !== null) return `${at}: not null`;
        continue;
      case 'literal':
        if (x !== sh.value) return `${at}: not ${JSON.stringify(sh.value)}`;
        continue;
      case 'array':
        if (!Array.isArray(x)) return `${at}: not an array`;
        for (let i = 0; i < x.length; i++) stack.push([sh.of, x[i], `${at}[${i}]`]);
        continue;
      case 'tuple':
        if (!Array.isArray(x) || x.length !== sh.items.length) return `${at}: not a tuple of ${sh.items.length}`;
        for (let i = 0; i < x.length; i++) stack.push([sh.items[i], x[i], `${at}[${i}]`]);
        continue;
      case 'record':
        if (!x || typeof x !== 'object' || Array.isArray(x)) return `${at}: not an object`;
        for (const [k, e] of Object.entries(x)) stack.push([sh.of, e, `${at}.${k}`]);
        continue;
      case 'object': {
        if (!x || typeof x !== 'object' || Array.isArray(x)) return `${at}: not an object`;
        const o = x as Record<string, unknown>;
        for (const [k, f, opt] of sh.fields) {
          if (!(k in o) || o[k] === undefined) {
            if (!opt) return `${at}.${k}: missing`;
            continue;
          }
          stack.push([f, o[k], `${at}.${k}`]);
        }
        continue;
      }
      case 'union': {
        const fits = sh.of.filter((alt) => conforms(alt, x) === undefined);
        if (fits.length === 0) return `${at}: fits none of ${sh.of.length} alternatives`;
        continue;
      }
    }
  }
  return undefined;
}
