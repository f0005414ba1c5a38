// Subnet bookkeeping for the per-run bridge network: a fixed /24 that overlaps neither another docker network
// nor any route the host already has (a VPN, a cloud VPC), tried in order so concurrent runs each find one.
import { readFileSync } from 'node:fs';
import type Docker from 'dockerode';

/** The host's routes, from /proc/net/route (little-endian hex); the default route is left out. */
export function hostRoutes(): Array<{ net: number; mask: number }> {
  try {
    return readFileSync('/proc/net/route', 'utf8')
      .split('\n')
      .slice(1)
      .filter(Boolean)
      .map((l) => {
        const f = l.trim().split(/\s+/);
        const le = (h: string) => Buffer.from(h, 'hex').readUInt32LE(0);
        return { net: le(f[1]) >>> 0, mask: le(f[7]) >>> 0 };
      })
      .filter((r) => r.mask !== 0);
  } catch {
    return [];
  }
}

export function ipToInt(ip: string): number {
  return ip.split('.').reduce((a, o) => ((a << 8) | Number(o)) >>> 0, 0);
}

export function cidrOverlaps(a: string, b: string): boolean {
  const [ai, al] = a.split('/');
  const [bi, bl] = b.split('/');
  const len = Math.min(Number(al), Number(bl));
  const mask = len === 0 ? 0 : (~0 << (32 - len)) >>> 0;
  return (ipToInt(ai) & mask) >>> 0 === (ipToInt(bi) & mask) >>> 0;
}

/** Whether a host route at least as specific as /16 overlaps the /24 starting at net24. */
export function routeOverlaps(routes: Array<{ net: number; mask: number }>, net24: string): boolean {
  const base = ipToInt(net24);
  return routes.some((r) => {
    let bits = 0;
    for (let m = r.mask >>> 0; m; m >>>= 1) bits += m & 1;
    if (bits < 16) return false;
    const mask = (~0 << (32 - Math.min(bits, 24))) >>> 0;
    return (base & mask) >>> 0 === (r.net & mask) >>> 0;
  });
}

/** Creates a labelled bridge network on the first free <prefix>.x.0/24; returns it with its subnet. */
export async function createRunNetwork(
  docker: Docker,
  name: string,
  prefix: string,
  labels: Record<string, string>,
): Promise<{ network: Docker.Network; subnet: string }> {
  const used = new Set<string>();
  for (const n of await docker.listNetworks()) for (const c of n.IPAM?.Config ?? []) if (c.Subnet) used.add(c.Subnet);
  const routes = hostRoutes();
  let lastErr: unknown;
  for (let x = 0; x < 256; x++) {
    const subnet = `${prefix}.${x}.0/24`;
    if ([...used].some((u) => u.includes('.') && cidrOverlaps(u, subnet))) continue;
    if (routeOverlaps(routes, `${prefix}.${x}.0`)) continue; // some host interface already routes it
    try {
      const network = await docker.createNetwork({
        Name: name,
        Driver: 'bridge',
        CheckDuplicate: true,
        Labels: labels,
        IPAM: { Driver: 'default', Config: [{ Subnet: subnet, Gateway: `${prefix}.${x}.1` }] },
      });
      return { network, subnet };
    } catch (e) {
      lastErr = e;
      // Taken meanwhile (a concurrent run): try the next /24.
      if (/overlap|in use|Pool/i.test((e as Error).message)) continue;
      throw e;
    }
  }
  throw new Error(
    `no free ${prefix}.x.0/24 subnet for the network: ${(lastErr as Error | undefined)?.message ?? 'all taken'}`,
  );
}
