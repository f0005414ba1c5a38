// Issue 23 item 4: the command line helps. Typos get a suggestion, a bad number is echoed, enumerated flags list
// their choices, and run's help starts with what a user sets first. The parser is built as the CLI builds it and
// parsed without running a command: every case here fails before a handler could start.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkNumber, ruleText } from '../../../harness/commands/numbers.js';
import { cliParser } from '../../../harness/commands/parser.js';
import { closest, editDistance, usageMessage } from '../../../harness/commands/usage.js';

class Refused extends Error {}

/** The one line the CLI would print for `args`, or the help it would show; never runs a command. */
async function parse(args: string[]): Promise<{ error?: string; output?: string }> {
  let error: string | undefined;
  const refuse = (m: string): never => {
    error = m;
    throw new Refused(m);
  };
  try {
    const output = await new Promise<string>((resolve, reject) => {
      cliParser(
        args,
        (line) => refuse(line),
        (e) => refuse(e.message),
      )
        .exitProcess(false)
        .middleware(() => reject(new Error(`a command would run for ${args.join(' ')}`)))
        .parse(args, (_err: unknown, _argv: unknown, out: string) => resolve(out));
    });
    return { error, output };
  } catch (e) {
    if (e instanceof Refused || error !== undefined) return { error };
    throw e;
  }
}

test('a mistyped command gets the closest one; a word far from any gets the list', async () => {
  assert.is((await parse(['rn'])).error, "unknown command 'rn'; did you mean 'run'?");
  assert.is((await parse(['chek', 'x'])).error, "unknown command 'chek'; did you mean 'check'?");
  assert.match((await parse(['frobnicate'])).error ?? '', /^unknown command 'frobnicate'; commands: run, test-all,/);
});

test('a mistyped flag gets the closest flag of its command', async () => {
  assert.is((await parse(['run', '--nodez', '3'])).error, 'unknown flag --nodez; did you mean --nodes?');
  assert.is((await parse(['run', '--time-limt', '3'])).error, 'unknown flag --time-limt; did you mean --time-limit?');
  assert.is((await parse(['check', '--modle', 'kv', 'f'])).error, 'unknown flag --modle; did you mean --model?');
  assert.is((await parse(['run', '--zzzzzz'])).error, 'unknown flag --zzzzzz (--help lists the flags)');
  assert.is((await parse(['run', 'extra'])).error, "unexpected argument 'extra'");
});

test('every numeric flag echoes the bad value and says what it wanted', async () => {
  assert.is((await parse(['run', '--nodes', 'abc'])).error, "--nodes: expected a whole number from 1 to 9, got 'abc'");
  assert.is((await parse(['run', '--nodes', '12'])).error, "--nodes: expected a whole number from 1 to 9, got '12'");
  assert.is((await parse(['run', '--time-limit', '0'])).error, "--time-limit: expected a number above 0, got '0'");
  assert.is((await parse(['run', '--seed', '1.5'])).error, "--seed: expected a whole number, got '1.5'");
  assert.is((await parse(['run', '--rate', '-1'])).error, "--rate: expected a number of at least 0, got '-1'");
  assert.is((await parse(['run', '--nodes'])).error, '--nodes needs a value');
  assert.is(
    (await parse(['test-all', '--test-count', 'two'])).error,
    "--test-count: expected a whole number of at least 1, got 'two'",
  );
  assert.is(
    (await parse(['serve', '--port', 'http'])).error,
    "--port: expected a whole number from 0 to 65535, got 'http'",
  );
  assert.is((await parse(['shrink', 'f', '--budget', 'x'])).error, "--budget: expected a number above 0, got 'x'");
  assert.is(
    (await parse(['check', 'f', '--timeout', 'soon'])).error,
    "--timeout: expected a number of at least 0, got 'soon'",
  );
});

test('enumerated flags refuse a value outside their choices, listing them (and guessing the typo)', async () => {
  assert.is(
    (await parse(['run', '--nemesis-schedule', 'rnadom'])).error,
    "--nemesis-schedule: expected one of alternate, random, burst, got 'rnadom'; did you mean random?",
  );
  assert.match(
    (await parse(['run', '--workload', 'kvv'])).error ?? '',
    /^--workload: expected one of kv, register, lock/,
  );
  assert.match((await parse(['run', '--runtime', 'podman'])).error ?? '', /^--runtime: expected one of docker, local/);
  assert.match((await parse(['check', 'f', '--model', 'nope'])).error ?? '', /^--model: expected one of cas-register,/);
  assert.match(
    (await parse(['check', 'f', '--model', 'list-append', '--consistency-model', 'serialisable'])).error ?? '',
    /^--consistency-model: expected one of .*strict-serializable.*; did you mean serializable\?$/,
  );
});

test("run's help: what a user sets first, in that order, then the other groups; choices listed", async () => {
  const { output, error } = await parse(['run', '--help']);
  assert.is(error, undefined);
  const help = output ?? '';
  const first = help.indexOf('What to test:');
  assert.ok(first > 0, help);
  const order = ['--target', '--workload', '--nemesis ', '--time-limit', '--runtime', '--nodes', '--seed'];
  const at = order.map((f) => help.indexOf(`  ${f}`));
  for (const [i, p] of at.entries()) assert.ok(p > first, `${order[i]} in the first group`);
  assert.equal(
    [...at].sort((a, b) => a - b),
    at,
    'in the order a user sets them',
  );
  const groups = ['What to test:', 'Faults:', 'Load:', 'Target options:', 'Runs and results:', 'SSH runtime:'];
  const gat = groups.map((g) => help.indexOf(g));
  assert.ok(
    gat.every((p) => p >= 0),
    'every group shown',
  );
  assert.equal(
    [...gat].sort((a, b) => a - b),
    gat,
  );
  assert.match(help, /choices: "alternate", "random", "burst"/);
  assert.match(help, /choices: "kv", "register", "lock", "fenced-counter"/);
  assert.match(help, /\[a whole number from 1 to 9\]/);
});

test('edit distance counts a swap of neighbours as one; a tie or a far word is no suggestion', () => {
  assert.is(editDistance('modle', 'model'), 1);
  assert.is(editDistance('kitten', 'sitting'), 3);
  assert.is(editDistance('', 'abc'), 3);
  assert.is(closest('nodez', ['nodes', 'rate']), 'nodes');
  assert.is(closest('ab', ['ac', 'ad']), undefined);
  assert.is(closest('xyz', ['run', 'check']), undefined);
  assert.is(closest('x'.repeat(10_000), ['run']), undefined);
});

test('usage messages: a kebab flag yargs reports twice is one suggestion; other messages pass through', () => {
  const c = { argv: ['run', '--burst-sconds', '1'], commands: ['run'], options: ['burst-seconds', 'burst-rate'] };
  assert.is(
    usageMessage('Unknown arguments: burst-sconds, burstSconds', c),
    'unknown flag --burst-sconds; did you mean --burst-seconds?',
  );
  assert.is(usageMessage('Missing required argument: dir', c), 'Missing required argument: dir');
});

test('number rules in words, and values checked as given', () => {
  assert.is(ruleText({ whole: true, min: 1, max: 9 }), 'a whole number from 1 to 9');
  assert.is(ruleText({ positive: true }), 'a number above 0');
  assert.is(checkNumber('--x', { min: 0 }, '2.5'), 2.5);
  assert.is(checkNumber('--x', { whole: true }, 7), 7);
  assert.throws(() => checkNumber('--x', { whole: true }, ''), /--x: expected a whole number, got nothing/);
  assert.throws(() => checkNumber('--x', { min: 0 }, 'Infinity'), /got 'Infinity'/);
  assert.throws(() => checkNumber('--x', { min: 0 }, [1, 2]), /got 2 values \(1, 2\); give it once/);
});

test.run();
