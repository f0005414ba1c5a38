// POSIX shell text for the hosts. Every command the runtime sends runs under `sh -c` (whatever the login shell
// is), with each word quoted here, so no argument is ever split or expanded on the far side.

/** One word for a POSIX shell: bare when plainly safe, else single-quoted. */
export function q(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** argv as one shell command line. */
export function words(argv: readonly string[]): string {
  return argv.map(q).join(' ');
}

/** A script to run under `sh -c`, as the command string an SSH exec request carries. */
export function shC(script: string): string {
  return `sh -c ${q(script)}`;
}

/** An environment file that `set -a; . FILE` exports (names checked: a bad one would be a shell error later). */
export function envFile(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([k, v]) => {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new Error(`environment variable name "${k}" is not valid`);
      return `${k}=${q(v)}\n`;
    })
    .join('');
}
