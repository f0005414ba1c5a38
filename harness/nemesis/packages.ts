// `--nemesis` as a list of packages (Jepsen's nemesis.combined/nemesis-packages): `partition,kill`, a kind limited
// to some of its shapes with `kind:shape/shape` (`partition:one-way-deaf/one-way-mute`, `pause:leader-long`), or
// `all`: every kind the target accepts and the runtime can do. Naming a kind twice merges its shapes (two
// packages of one kind would fight over the same runtime state, e.g. the one current grudge).
import { FAULT_KINDS, type FaultKind } from './faults.js';

export interface NemesisPackage {
  kind: FaultKind;
  shapes: readonly string[];
}

export interface ParsedNemesis {
  packages: NemesisPackage[];
  /** `all` was asked for: refused or impossible kinds are left out silently rather than refused. */
  all: boolean;
}

const known = (): string => FAULT_KINDS.map((f) => f.name).join(', ');

export function parseNemesisSpec(list: string): ParsedNemesis {
  const spec = list.trim();
  if (spec === '' || spec === 'none') return { packages: [], all: false };
  if (spec === 'all') return { packages: FAULT_KINDS.map((kind) => ({ kind, shapes: kind.shapes })), all: true };
  const byKind = new Map<string, NemesisPackage>();
  for (const part of spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [name, shapeText, ...rest] = part.split(':');
    const kind = FAULT_KINDS.find((f) => f.name === name);
    if (!kind) throw new Error(`unknown nemesis "${name}"; known: ${known()}, all, none`);
    if (rest.length) throw new Error(`--nemesis ${part}: expected kind or kind:shape/shape`);
    let shapes: readonly string[] = kind.shapes;
    if (shapeText !== undefined) {
      shapes = shapeText.split('/').filter(Boolean);
      const all = [...kind.shapes, ...(kind.optIn ?? [])];
      const bad = shapes.find((s) => !all.includes(s));
      if (bad || shapes.length === 0)
        throw new Error(`unknown ${name} shape "${bad ?? ''}"; ${name} shapes: ${all.join(', ')}`);
    }
    const prev = byKind.get(name);
    byKind.set(name, { kind, shapes: prev ? [...new Set([...prev.shapes, ...shapes])] : shapes });
  }
  return { packages: [...byKind.values()], all: false };
}

/** The kinds a target must accept up front (for `all`: none; refused ones are dropped instead). */
export function requiredKinds(p: ParsedNemesis): string[] {
  return p.all ? [] : p.packages.map((x) => x.kind.name);
}

/**
 * Leaves out of `all` what the target refuses and what the runtime cannot do (`can(kind)` false); an explicit
 * list is returned as is (the target already refused what it cannot take, with its reason).
 */
export async function resolvePackages(
  p: ParsedNemesis,
  refusals: Partial<Record<string, string>>,
  can: (kind: string) => Promise<boolean>,
): Promise<NemesisPackage[]> {
  if (!p.all) return p.packages;
  const out: NemesisPackage[] = [];
  for (const x of p.packages) if (!refusals[x.kind.name] && (await can(x.kind.name))) out.push(x);
  return out;
}
