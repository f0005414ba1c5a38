// Transactions in Docker: a short list-append run on the default cluster under partition, kill and pause is
// strict serializable with most transactions spanning shards (test/helpers/txn-run-cases.ts).
import { test } from 'uvu';
import { dockerTest } from '../helpers/docker.js';
import { validListAppendRun } from '../helpers/txn-run-cases.js';

dockerTest(
  test,
  'docker: list-append under partition, kill and pause is strict serializable, mostly across shards',
  () => validListAppendRun('docker'),
);

test.run();
