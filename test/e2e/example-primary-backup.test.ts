// The example user target (examples/primary-backup, written only against the public API) run as a user runs
// it: `faultline run --target ./examples/primary-backup/primary-backup.js`. Without faults it is valid; under
// kill it loses acknowledged writes and is caught within a bounded number of seeds.
import { test } from 'uvu';
import { ROOT } from '../helpers/paths.js';
import { caseArgs, runCase } from '../helpers/run-cases.js';
import { join } from 'node:path';

const target = join(ROOT, 'examples', 'primary-backup', 'primary-backup.js');

test('local: the primary-backup example is valid without faults', () =>
  runCase('local', {
    name: 'no faults',
    expect: 'valid',
    seeds: [1],
    args: caseArgs({ target, workload: 'register', nodes: 3, seconds: 10, nemesis: 'none' }),
  }));

test('local: the primary-backup example loses acknowledged writes under kill (caught within 5 seeds)', () =>
  runCase('local', {
    name: 'kill',
    expect: 'invalid',
    seeds: [1, 2, 3, 4, 5],
    report: /could not be linearized/,
    args: caseArgs({ target, workload: 'register', nodes: 3, seconds: 15, nemesis: 'kill', interval: 2 }),
  }));

test.run();
