// The example user target's naive transactions (examples/primary-backup: each micro-op a GET or a PUT of the
// primary, nothing isolating one transaction from another) are caught by the list-append workload without any
// fault, and the report names a cycle Elle would name: G-single (read skew) or G2-item (write skew).
import { join } from 'node:path';
import { test } from 'uvu';
import { ROOT } from '../helpers/paths.js';
import { caseArgs, runCase } from '../helpers/run-cases.js';

const target = join(ROOT, 'examples', 'primary-backup', 'primary-backup.js');

test('local: the example primary-backup target naive transactions are caught (G-single or G2-item)', () =>
  runCase('local', {
    name: 'naive transactions',
    expect: 'invalid',
    seeds: [1, 2, 3],
    report: /G-single-item: T1 = op|G2-item: T1 = op/,
    args: caseArgs({ target, workload: 'list-append', nodes: 3, seconds: 8, nemesis: 'none' }),
  }));

test.run();
