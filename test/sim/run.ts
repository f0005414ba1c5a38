// npm run test:sim [-- scenario...]: every scenario over SIM_SEEDS seeds (default 20), or one seed with
// SIM_SEED=<n>. A failure prints the seed and the exact command that replays it. SIM_BUGS=a,b plants bugs.
import { SCENARIO_NAMES, scenarios } from './scenarios.js';

const names = process.argv.slice(2).filter((a) => !a.startsWith('-'));
for (const n of names)
  if (!scenarios[n]) {
    console.error(`unknown scenario "${n}"; known: ${SCENARIO_NAMES.join(', ')}`);
    process.exit(3);
  }
const chosen = names.length > 0 ? names : SCENARIO_NAMES;
const one = process.env.SIM_SEED !== undefined ? Number(process.env.SIM_SEED) : undefined;
const count = Number(process.env.SIM_SEEDS ?? 20);
const seeds = one !== undefined ? [one] : Array.from({ length: count }, (_, i) => i + 1);
const bugs = (process.env.SIM_BUGS ?? '').split(',').filter(Boolean);

let passed = 0,
  failed = 0;
for (const name of chosen) {
  const t0 = Date.now();
  let bad = 0;
  for (const seed of seeds) {
    try {
      scenarios[name]({ seed, bugs });
      passed++;
    } catch (e) {
      failed++;
      bad++;
      if (bad <= 3) {
        console.log(`FAIL ${name} seed ${seed}: ${(e as Error).message}`);
        console.log(
          `  replay: SIM_SEED=${seed}${bugs.length ? ` SIM_BUGS=${bugs.join(',')}` : ''} npm run test:sim -- ${name}`,
        );
      }
    }
  }
  console.log(
    `${bad === 0 ? 'ok  ' : 'FAIL'} ${name.padEnd(28)} ${seeds.length - bad}/${seeds.length} seeds  ` +
      `${((Date.now() - t0) / 1000).toFixed(1)}s`,
  );
}
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
