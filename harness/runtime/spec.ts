// The runtime's input contract: what a runtime needs to host one cluster (ClusterSpec: the nodes' commands,
// ports, data directories, health check, image recipe) and what it hands back (NodeHandle). A target builds a
// ClusterSpec (harness/target/types.ts re-exports these types for target modules); a runtime hosts whatever spec
// it is given and knows no target and no workload. The image builder (docker) and the host installer (ssh) are the
// runtime's side of a recipe: they build or upload, and give a target the helpers for host files (a binary with its
// libraries, npm packages).

export type RuntimeKind = 'docker' | 'local' | 'ssh';

/** A port every node listens on. `client` ports carry the harness's requests (never faulted); `peer` ports
 *  carry node-to-node traffic (partitions, loss and latency act on these). */
export interface PortDecl {
  name: string;
  kind: 'client' | 'peer';
  /** The port inside a container (docker); the local runtime picks free loopback ports instead. */
  container: number;
}

/** Where things are, as the runtime lays the cluster out. Handed to Target.node() for each node. */
export interface Addressing {
  runtime: RuntimeKind;
  /** Every node's name, n1..nN, in order. */
  names: string[];
  /** The address node processes should bind (0.0.0.0 in a container, 127.0.0.1 on loopback). */
  listenHost: string;
  /** The port node `name` binds for port `port`. */
  port(name: string, port: string): number;
  /** host:port at which OTHER nodes reach node `to`'s `port` (through the fault relay on the local runtime). */
  peerAddr(to: string, port: string): string;
  /** host:port at which the harness reaches node `name`'s `port` (never faulted). */
  clientAddr(name: string, port: string): string;
  /** The node's persistent data directory (survives kill and restart; a volume on docker). */
  dataDir(name: string): string;
}

/** How to run node `name`: on docker the command is the container's Cmd (after the image's entrypoint); on the
 *  local runtime command[0] is the executable. */
export interface NodeProcessSpec {
  command: string[];
  env?: Record<string, string>;
}

/** What goes into a target's image: its Dockerfile and the host files its build context holds. */
export interface ImageRecipe {
  /** The image is tagged faultline-<name>:<content hash>. */
  name: string;
  /** Host path of the Dockerfile; its first lines must be `ARG BASE` and `FROM ${BASE}`. */
  dockerfile: string;
  /** Path inside the build context → host path (file or folder); everything listed is hashed. */
  files: Record<string, string>;
  labels?: Record<string, string>;
}

/**
 * Host files a target lays out for another machine (an image's build context, an ssh host's bundle): path inside
 * it → host path. Both the image builder and the host installer carry them (harness/runtime/host-files.ts), so
 * a target's recipe is the same for either; the same helpers are in the public API.
 */
export interface HostFiles {
  /**
   * A host binary and every shared library `ldd` lists for it: `<dir>/<name>` (the binary's own name by default)
   * and `<dir>/lib/<library>`. Run it through the copied loader (as docker/etcd.Dockerfile does), so another libc,
   * whichever it is, never mixes with the host's: how a Go or Rust program on the host becomes an image.
   */
  hostBinary(path: string, dir: string, name?: string): Record<string, string>;
  /**
   * npm packages and their run-time dependencies, `<dir>/<package>` each, found as Node resolves them from the
   * package at `root` (its node_modules, then each one above it, where npm hoists a dependency's packages).
   */
  nodePackages(root: string, packages: readonly string[], dir: string): Record<string, string>;
}

/**
 * Builds images on a docker engine from the locally made base (node binary, its libraries, libfaketime), and
 * gathers host files for a recipe. A target's `image(b)` gets one.
 */
export interface ImageBuilder extends HostFiles {
  /** Builds (or reuses) `faultline-<name>:<content hash>`: an unchanged tree never rebuilds. Resolves to the tag. */
  build(recipe: ImageRecipe): Promise<string>;
  /** Whether the base carries libfaketime (clock faults possible for programs it reaches). */
  readonly faketime: boolean;
  log(msg: string): void;
}

/** Puts what a program needs on the ssh runtime's hosts (the counterpart of ImageBuilder). */
export interface HostInstaller extends HostFiles {
  /** The absolute path of `command` when it is on PATH on every host; undefined when any host lacks it. */
  which(command: string): Promise<string | undefined>;
  /**
   * Sends these controller files and folders (path inside the bundle → controller path) to every host, once per
   * content (hosts keep recent bundles); resolves to the bundle's folder, the same absolute path on every host.
   */
  upload(name: string, files: Record<string, string>): Promise<string>;
  log(msg: string): void;
}

/** What a runtime needs to host one cluster: no knowledge of what the program is. */
export interface ClusterSpec {
  /** Unique id of this run: labels every container, network and volume (docker), names temp dirs (local). */
  runId: string;
  nodes: number;
  /** Where node logs are streamed: <logDir>/<node>/node.log. */
  logDir: string;
  ports: PortDecl[];
  /** Node `name`'s process. */
  node(name: string, addr: Addressing): NodeProcessSpec;
  /** docker only: the image to run (built with the runtime's builder). */
  image?(b: ImageBuilder): Promise<string>;
  /** ssh only: put the program on the hosts before any node starts (node() may then name what it uploaded). */
  install?(h: HostInstaller): Promise<void>;
  /** undefined when the named nodes (all when omitted) are healthy, otherwise why not (for the timeout message). */
  health(nodes: NodeHandle[], names?: string[]): Promise<string | undefined>;
  /** Environment variables a clock fault relies on (libfaketime) reach the program: false for Go programs. */
  clockFaults: boolean;
}

export interface NodeHandle {
  /** n1, n2, ... */
  name: string;
  /** host:port the harness uses for each declared port (client ports are never faulted). */
  addrs: Record<string, string>;
  /** `http://` + the address of the first client port: the usual base URL of an HTTP API. */
  url: string;
}
