// The local test bed: N SSH hosts as containers on a docker network of their own, each with its own address and
// its own host key, all made for this bed (nothing reused between beds). `faultline hosts up N --dir DIR` writes
// what a run needs: DIR/hosts (user@address a line), DIR/key (the bed's client key) and DIR/known_hosts (the
// hosts' keys, written from the keys made here, not learned over the network), plus DIR/bed.json for `hosts down`.
// Every object carries the label faultline.bed=<id>; only objects with this bed's label are ever removed.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import ssh2 from 'ssh2';
import { createRunNetwork } from '../../docker/subnet.js';
import { tarOf } from '../../tar.js';
import { BED_UID, BED_USER, ensureBedImage } from './bed-image.js';

/** A bed is a handful of hosts. */
export const MAX_BED_HOSTS = 16;
const LABEL = 'faultline.bed';

export interface BedInfo {
  id: string;
  image: string;
  network: string;
  subnet: string;
  hosts: { name: string; container: string; ip: string }[];
}

/** Makes the bed; on any failure removes what it made. */
export async function hostsUp(
  n: number,
  dir: string,
  log: (m: string) => void,
  docker = new Docker(),
): Promise<BedInfo> {
  if (!Number.isInteger(n) || n < 1 || n > MAX_BED_HOSTS)
    throw new Error(`hosts up: N must be 1-${MAX_BED_HOSTS}, got ${n}`);
  if (existsSync(join(dir, 'bed.json')))
    throw new Error(`${dir} already holds a bed (bed.json); run \`faultline hosts down --dir ${dir}\` first`);
  mkdirSync(dir, { recursive: true });
  const image = await ensureBedImage(docker, log);
  const id = `bed${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const labels = { [LABEL]: id };
  const info: BedInfo = { id, image, network: `faultline-${id}`, subnet: '', hosts: [] };
  try {
    const { subnet } = await createRunNetwork(docker, info.network, '10.214', labels);
    info.subnet = subnet;
    const prefix = subnet.split('.').slice(0, 3).join('.');
    const client = ssh2.utils.generateKeyPairSync('ed25519', { comment: `faultline ${id}` });
    const known: string[] = [];
    for (let i = 1; i <= n; i++) {
      const name = `h${i}`;
      const ip = `${prefix}.${10 + i}`;
      const hostKey = ssh2.utils.generateKeyPairSync('ed25519', { comment: `${id} ${name}` });
      const c = await docker.createContainer({
        name: `faultline-${id}-${name}`,
        Hostname: name,
        Image: image,
        Labels: { ...labels, 'faultline.bed.host': name },
        HostConfig: {
          NetworkMode: info.network,
          // iptables and tc on the host's own interfaces; nothing else beyond docker's defaults.
          CapAdd: ['NET_ADMIN'],
          // An init reaps the nodes the runtime kills (they are re-parented to pid 1).
          Init: true,
          RestartPolicy: { Name: 'no' },
        },
        NetworkingConfig: { EndpointsConfig: { [info.network]: { IPAMConfig: { IPv4Address: ip } } } },
      });
      info.hosts.push({ name, container: c.id, ip });
      await c.putArchive(
        tarOf([
          { path: 'ssh_host_ed25519_key', text: hostKey.private, mode: 0o600 },
          { path: 'ssh_host_ed25519_key.pub', text: `${hostKey.public}\n`, mode: 0o644 },
        ]),
        { path: '/etc/ssh' },
      );
      await c.putArchive(
        tarOf(
          [
            { path: '.ssh', mode: 0o700 },
            { path: '.ssh/authorized_keys', text: `${client.public}\n`, mode: 0o600 },
          ],
          BED_UID,
        ),
        { path: `/home/${BED_USER}` },
      );
      await c.start();
      known.push(`${ip} ${hostKey.public.split(' ').slice(0, 2).join(' ')}`);
    }
    writeFileSync(join(dir, 'key'), client.private, { mode: 0o600 });
    writeFileSync(join(dir, 'known_hosts'), `${known.join('\n')}\n`, { mode: 0o644 });
    writeFileSync(join(dir, 'hosts'), `${info.hosts.map((h) => `${BED_USER}@${h.ip}`).join('\n')}\n`);
    writeFileSync(join(dir, 'bed.json'), `${JSON.stringify(info, null, 2)}\n`);
    log(`bed ${id}: ${n} hosts on ${subnet} (${info.hosts.map((h) => h.ip).join(', ')}); ${join(dir, 'hosts')}`);
    return info;
  } catch (e) {
    await removeBed(docker, id).catch(() => undefined);
    throw e;
  }
}

/** Removes every container and network labelled with this bed's id. */
export async function removeBed(docker: Docker, id: string): Promise<{ containers: number; networks: number }> {
  if (!/^bed[a-z0-9]+$/.test(id)) throw new Error(`"${id}" is not a bed id`);
  const filters = JSON.stringify({ label: [`${LABEL}=${id}`] });
  const cs = await docker.listContainers({ all: true, filters });
  await Promise.all(cs.map((c) => docker.getContainer(c.Id).remove({ force: true })));
  const ns = await docker.listNetworks({ filters });
  await Promise.all(ns.map((x) => docker.getNetwork(x.Id).remove()));
  return { containers: cs.length, networks: ns.length };
}

/** `hosts down --dir DIR`: removes DIR's bed and the files `hosts up` wrote there. */
export async function hostsDown(dir: string, log: (m: string) => void, docker = new Docker()): Promise<void> {
  let info: BedInfo;
  try {
    info = JSON.parse(readFileSync(join(dir, 'bed.json'), 'utf8')) as BedInfo;
  } catch {
    throw new Error(`${dir} holds no bed (no readable bed.json)`);
  }
  const r = await removeBed(docker, info.id);
  for (const f of ['hosts', 'key', 'known_hosts', 'bed.json']) rmSync(join(dir, f), { force: true });
  log(`bed ${info.id}: removed ${r.containers} containers and ${r.networks} network`);
}
