// `faultline hosts up N --dir DIR` / `faultline hosts down --dir DIR`: a local test bed of N SSH hosts as
// containers (harness/runtime/ssh/bed), for trying and testing `--runtime ssh --hosts DIR/hosts` on one machine.
import type { Argv, CommandModule } from 'yargs';
import { dockerReachable } from '../runtime/index.js';
import { hostsDown, hostsUp } from '../runtime/ssh/bed/bed.js';
import { MAX_HOSTS } from '../runtime/ssh/hosts-file.js';
import { fail } from './errors.js';
import { numberOption } from './numbers.js';

interface HostsArgs {
  action: 'up' | 'down';
  count?: number;
  dir: string;
}

const say = (m: string) => process.stdout.write(`${m}\n`);

export const hostsCommand: CommandModule<object, HostsArgs> = {
  command: 'hosts <action> [count]',
  describe: 'A local test bed of SSH hosts as containers: hosts up N --dir DIR, hosts down --dir DIR',
  builder: (y: Argv<object>) =>
    y
      .positional('action', { choices: ['up', 'down'] as const, describe: 'make the bed, or remove it' })
      .positional(
        'count',
        numberOption(
          'count',
          { whole: true, min: 1, max: MAX_HOSTS },
          { describe: 'how many hosts (up)', positional: true },
        ),
      )
      .option('dir', {
        type: 'string',
        demandOption: true,
        describe: 'where the bed writes hosts, key, known_hosts and bed.json',
      }) as unknown as Argv<HostsArgs>,
  handler: async (a) => {
    try {
      const d = await dockerReachable();
      if (!d.ok) throw new Error(`hosts ${a.action}: ${d.reason}`);
      if (a.action === 'up') {
        if (a.count === undefined)
          throw new Error('hosts up needs the number of hosts: faultline hosts up N --dir DIR');
        await hostsUp(a.count, a.dir, say);
      } else {
        if (a.count !== undefined) throw new Error('hosts down takes no count: faultline hosts down --dir DIR');
        await hostsDown(a.dir, say);
      }
    } catch (e) {
      fail(e);
    }
    process.exit(0);
  },
};
