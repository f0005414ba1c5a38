// Each planted bug the simulation can see makes at least one scenario fail with a safety violation, and the
// same scenarios pass without it. (stale-read lives in the node's read path, outside the core: the harness
// catches it with the linearizability checker.)
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SafetyViolation } from './cluster.js';
import { scenarios } from './scenarios.js';

const CASES: { bug: string; scenario: string; property: RegExp }[] = [
  { bug: 'old-term-commit', scenario: 'figure8Story', property: /State Machine Safety|Leader Completeness/ },
  { bug: 'vote-twice', scenario: 'persistVote', property: /Election Safety/ },
  { bug: 'no-fsync', scenario: 'persist2', property: /Leader Completeness|Log Matching|State Machine Safety|Election Safety/ },
  { bug: 'conf-concurrent', scenario: 'concurrentChanges', property: /Leader Completeness|State Machine Safety|Election Safety/ },
];

for (const { bug, scenario, property } of CASES) {
  test(`planted bug ${bug} is caught by ${scenario}`, () => {
    const caught: string[] = [];
    for (let seed = 1; seed <= 20 && caught.length === 0; seed++) {
      try {
        scenarios[scenario]({ seed, bugs: [bug] });
      } catch (e) {
        if (e instanceof SafetyViolation) caught.push(`seed ${seed}: ${e.message}`);
      }
    }
    assert.ok(caught.length > 0, `${bug} survived ${scenario} on 20 seeds`);
    assert.match(caught[0], property);
  });

  test(`${scenario} passes without ${bug}`, () => {
    for (let seed = 1; seed <= 20; seed++) scenarios[scenario]({ seed });
  });
}

test.run();
