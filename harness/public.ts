// The public API (`import { defineTarget } from 'faultline'`): all a user needs to point Faultline at their own
// system. A target module default-exports defineTarget({...}) and is run with `faultline run --target ./it.js`;
// docs/targets.md walks through one, examples/primary-backup is a complete one. Everything else in the package
// is internal and may change; this file is the contract (like Porcupine's API: one call and its types).
export { defineTarget } from './target/define.js';
export type {
  ClientContext,
  ClientFactory,
  FaultRefusals,
  MembershipHow,
  MembershipOp,
  Target,
  TargetContext,
  TargetOption,
  TargetOptions,
} from './target/types.js';
// The runtime's input contract, which a target's cluster(ctx) builds. A target whose program is a host binary (Go,
// Rust, C) makes its image with the builder its image(b) is handed: b.hostBinary(path, dir) gives the build
// context the binary and every library ldd lists (run it through the copied loader, as docker/etcd.Dockerfile
// does), b.nodePackages(...) npm packages with their dependencies; on the ssh runtime its install(h) gets the same
// helpers with an installer that uploads them to every host; on the local runtime its command runs as is.
// The entry's only value stays defineTarget: the helpers come with the builder or installer, never as loose internals.
export type * from './runtime/spec.js';
export type { Client, Completion, WorkloadOptions } from '../workloads/types.js';
export type { OpSpec } from './generator/generator.js';
