// Validation of POST /admin/membership bodies (docs/node.md, Membership): one single-server change (diss.
// §4.1) of one shard's voters. The voters are always a subset of the shard's placement replicas, so a node
// outside the placement of the shard is refused here, before anything reaches Raft.
import type { MembershipRequest } from './api.js';
import type { Placement } from '../shard/placement.js';

export type { MembershipRequest } from './api.js';

/** A one-line reason the body is not a valid membership request, or undefined when it is. */
export function validateMembership(body: unknown, placement: Placement): string | undefined {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    return 'body must be a JSON object {"op", "node", "shard"}';
  const b = body as Partial<MembershipRequest> & Record<string, unknown>;
  if (b.op !== 'add' && b.op !== 'remove') return 'op must be "add" or "remove"';
  if (typeof b.node !== 'string' || b.node === '') return 'node must be a node id';
  if (typeof b.shard !== 'number' || !Number.isInteger(b.shard) || b.shard < 0 || b.shard >= placement.shards) {
    return `shard must be an integer in [0, ${placement.shards})`;
  }
  for (const k of Object.keys(b)) if (k !== 'op' && k !== 'node' && k !== 'shard') return `unknown field "${k}"`;
  if (!placement.nodes.includes(b.node)) return `unknown node id "${b.node}"`;
  if (!placement.replicas[b.shard].includes(b.node))
    return (
      `node ${b.node} is not a placement replica of shard ${b.shard} ` +
      `(replicas: ${placement.replicas[b.shard].join(', ')})`
    );
  return undefined;
}
