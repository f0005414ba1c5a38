// `defineTarget`: the one call a user's target module makes. It checks the shape at load time, so a mistake in
// a user's module is a one-line error naming the module, not a TypeError in the middle of a run.
import type { Target } from './types.js';

export function defineTarget(t: Target): Target {
  const bad = (msg: string): never => {
    throw new Error(`target ${JSON.stringify(t?.name ?? '?')}: ${msg}`);
  };
  if (!t || typeof t !== 'object') bad('defineTarget expects an object');
  if (typeof t.name !== 'string' || !/^[a-z0-9][a-z0-9._-]*$/i.test(t.name))
    bad('name must be a short identifier ([A-Za-z0-9._-])');
  if (typeof t.cluster !== 'function') bad('cluster(ctx) must be a function returning the cluster spec');
  if (!t.clients || typeof t.clients !== 'object' || Object.keys(t.clients).length === 0)
    bad('clients must map at least one workload name to a client factory');
  for (const [w, f] of Object.entries(t.clients)) if (typeof f !== 'function') bad(`clients.${w} must be a function`);
  for (const hook of ['validate', 'refuses', 'leader', 'membership', 'version'] as const) {
    if (t[hook] !== undefined && typeof t[hook] !== 'function') bad(`${hook} must be a function when given`);
  }
  for (const [k, o] of Object.entries(t.options ?? {})) {
    if (!/^[a-z][a-z0-9-]*$/.test(k)) bad(`option name "${k}" must be lower-case words joined by dashes`);
    if (o.choices && o.default !== undefined && !o.choices.includes(o.default))
      bad(`option ${k}: default "${o.default}" is not among its choices`);
  }
  return t;
}
