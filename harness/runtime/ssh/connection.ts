// One SSH connection to one host through the ssh2 package (no ssh binary): the host key checked against
// known_hosts before anything is sent, commands as exec channels under `sh -c`, files through one SFTP session.
// OpenSSH allows 10 channels per connection by default (MaxSessions); the watchdog holds one and SFTP one, so
// commands share a pool of CHANNELS.
import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import ssh2, { type ClientChannel, type ConnectConfig, type SFTPWrapper } from 'ssh2';
import type { HostEntry, SshAccess } from './hosts-file.js';
import { checkHostKey, hostKeyAlgorithms } from './known-hosts.js';
import { shC } from './shell.js';

/** Exec channels open at once per connection (OpenSSH's MaxSessions is 10 by default). */
const CHANNELS = 6;
/** A command's output is kept up to this size (the rest is dropped): commands here print little. */
const MAX_OUTPUT = 1 << 20;
const CONNECT_TIMEOUT_MS = 15_000;

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A one-line reason from a command's stderr (or its exit status). */
export function firstLine(r: ExecResult): string {
  const l = (r.stderr || r.stdout).split('\n').find((x) => x.trim() !== '');
  return l ? l.trim().slice(0, 300) : `exit status ${r.code}`;
}

export class SshHost {
  private active = 0;
  private waiting: (() => void)[] = [];
  private sftpSession?: Promise<SFTPWrapper>;
  private closed = false;
  /** Set when the connection ends (for errors of commands that were in flight). */
  lost?: string;

  private constructor(
    readonly entry: HostEntry,
    private readonly client: ssh2.Client,
  ) {
    client.on('close', () => {
      this.lost ??= 'the SSH connection closed';
      this.closed = true;
    });
    client.on('error', (e) => {
      this.lost = `the SSH connection failed: ${e.message}`;
    });
  }

  get who(): string {
    return this.entry.text;
  }

  /** Connects and authenticates; rejects with one line (unknown or mismatched host key, auth refused, timeout). */
  static async connect(entry: HostEntry, access: SshAccess, log: (m: string) => void): Promise<SshHost> {
    const privateKey = access.keyFile ? await readFile(access.keyFile) : undefined;
    const client = new ssh2.Client();
    let refused: string | undefined;
    const cfg: ConnectConfig = {
      host: entry.address,
      port: entry.port,
      username: entry.user,
      privateKey,
      agent: access.agent,
      readyTimeout: CONNECT_TIMEOUT_MS,
      keepaliveInterval: 5000,
      keepaliveCountMax: 3,
      hostVerifier: (blob: Buffer) => {
        const v = checkHostKey({
          file: access.knownHostsFile,
          address: entry.address,
          port: entry.port,
          blob,
          acceptNew: access.acceptNew,
          who: entry.text,
        });
        if (!v.ok) refused = v.reason;
        else if (v.added) log(v.added);
        return v.ok;
      },
    };
    const algs = hostKeyAlgorithms(access.knownHostsFile, entry.address, entry.port);
    if (algs) cfg.algorithms = { serverHostKey: algs as never };
    await new Promise<void>((resolve, reject) => {
      client.once('ready', () => resolve());
      client.once('error', (e: Error & { level?: string }) => {
        client.end();
        if (refused) return reject(new Error(refused));
        const why =
          e.level === 'client-authentication'
            ? `authentication refused (key ${access.keyFile ?? 'none'}${access.agent ? ', and the agent' : ''})`
            : e.message;
        reject(new Error(`ssh ${entry.text}: ${why}`));
      });
      try {
        client.connect(cfg);
      } catch (e) {
        // ssh2 throws synchronously on a key it cannot parse (an encrypted key without the agent).
        reject(new Error(`ssh ${entry.text}: ${(e as Error).message} (an encrypted key must be loaded in ssh-agent)`));
      }
    });
    return new SshHost(entry, client);
  }

  private async slot<T>(f: () => Promise<T>): Promise<T> {
    while (this.active >= CHANNELS) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    try {
      return await f();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }

  /** Opens an exec channel running `script` under sh -c (not counted in the pool: the caller holds it). */
  channel(script: string): Promise<ClientChannel> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new Error(`${this.who}: ${this.lost ?? 'not connected'}`));
      this.client.exec(shC(script), (err, ch) =>
        err ? reject(new Error(`${this.who}: ${err.message}`)) : resolve(ch),
      );
    });
  }

  /** Runs `script` (stdin: `input`, then EOF); resolves with its exit code and output whatever the code. */
  exec(script: string, input?: string | Buffer): Promise<ExecResult> {
    return this.slot(async () => {
      const ch = await this.channel(script);
      return new Promise<ExecResult>((resolve) => {
        let stdout = '';
        let stderr = '';
        ch.on('data', (c: Buffer) => {
          if (stdout.length < MAX_OUTPUT) stdout += c.toString('utf8');
        });
        ch.stderr.on('data', (c: Buffer) => {
          if (stderr.length < MAX_OUTPUT) stderr += c.toString('utf8');
        });
        ch.on('close', (code: number | null, signal?: string) =>
          resolve({
            code: code ?? (signal ? 128 : -1),
            stdout,
            stderr: code === null && !signal && this.lost ? `${stderr}${this.lost}` : stderr,
          }),
        );
        ch.end(input ?? '');
      });
    });
  }

  /** Runs `script`; returns its stdout, or throws "<what> on <host>: <first line of stderr>". */
  async must(what: string, script: string, input?: string | Buffer): Promise<string> {
    const r = await this.exec(script, input);
    if (r.code !== 0) throw new Error(`${what} on ${this.who}: ${firstLine(r)}`);
    return r.stdout;
  }

  private sftp(): Promise<SFTPWrapper> {
    this.sftpSession ??= new Promise((resolve, reject) =>
      this.client.sftp((err, s) => (err ? reject(new Error(`SFTP on ${this.who}: ${err.message}`)) : resolve(s))),
    );
    return this.sftpSession;
  }

  /** Uploads a controller file. */
  async put(local: string, remote: string): Promise<void> {
    const s = await this.sftp();
    await new Promise<void>((res, rej) =>
      s.fastPut(local, remote, (e) => (e ? rej(new Error(`upload to ${this.who}:${remote}: ${e.message}`)) : res())),
    );
  }

  /** Writes a small file on the host (mode as given: 0600 for secrets). */
  async writeFile(remote: string, data: string, mode = 0o644): Promise<void> {
    const s = await this.sftp();
    await new Promise<void>((res, rej) =>
      s.writeFile(remote, data, { mode }, (e) =>
        e ? rej(new Error(`write ${this.who}:${remote}: ${e.message}`)) : res(),
      ),
    );
  }

  /** Downloads a host file (the local folder is made). */
  async get(remote: string, local: string): Promise<void> {
    const s = await this.sftp();
    mkdirSync(dirname(local), { recursive: true });
    await new Promise<void>((res, rej) =>
      s.fastGet(remote, local, (e) => (e ? rej(new Error(`download ${this.who}:${remote}: ${e.message}`)) : res())),
    );
  }

  /** Lists a host folder: name, size, and whether it is a folder. */
  async list(remote: string): Promise<{ name: string; size: number; dir: boolean; file: boolean }[]> {
    const s = await this.sftp();
    return new Promise((res, rej) =>
      s.readdir(remote, (e, list) =>
        e
          ? rej(new Error(`list ${this.who}:${remote}: ${e.message}`))
          : res(
              list.map((x) => ({
                name: x.filename,
                size: x.attrs.size,
                dir: x.attrs.isDirectory(),
                file: x.attrs.isFile(),
              })),
            ),
      ),
    );
  }

  close(): void {
    this.closed = true;
    this.client.end();
  }
}
