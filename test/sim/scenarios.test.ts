// Every simulation scenario over the CI seeds (SIM_SEEDS, default 60). A failing seed is named with the exact
// command that replays it. The soak run is `SIM_SEEDS=5000 npm run test:sim`.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SCENARIO_NAMES, scenarios } from './scenarios.js';

const SEEDS = Number(process.env.SIM_SEEDS ?? 60);

for (const name of SCENARIO_NAMES) {
  test(`sim: ${name} over ${SEEDS} seeds`, () => {
    const failures: string[] = [];
    for (let seed = 1; seed <= SEEDS; seed++) {
      try {
        scenarios[name]({ seed });
      } catch (e) {
        failures.push(`seed ${seed}: ${(e as Error).message} (replay: SIM_SEED=${seed} npm run test:sim -- ${name})`);
      }
    }
    assert.equal(failures, [], failures.slice(0, 3).join('\n'));
  });
}

test.run();
