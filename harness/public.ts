// The public API (`import { defineTarget } from 'faultline'`): all a user needs to point Faultline at their own
// system. A target module default-exports defineTarget({...}) and is run with `faultline run --target ./it.js`;
// docs/targets.md walks through one, examples/primary-backup is a complete one. Everything else in the package
// is internal and may change; this file is the contract (like Porcupine's API: one call and its types).
export { defineTarget } from './target/define.js';
export type {
  Addressing,
  ClientContext,
  ClientFactory,
  ClusterSpec,
  FaultRefusals,
  ImageBuilder,
  MembershipHow,
  MembershipOp,
  NodeHandle,
  NodeProcessSpec,
  PortDecl,
  RuntimeKind,
  Target,
  TargetContext,
  TargetOption,
  TargetOptions,
} from './target/types.js';
export type { Client, Completion, WorkloadOptions } from '../workloads/types.js';
export type { OpSpec } from './generator/generator.js';
