// Smoke tests: the lab renders and steps. `cargo xtask test` runs this file against the build
// served at `/` and again against the build made with `--public-url /nodelab/`.

import assert from 'node:assert/strict';
import { atTimeZero, eventually, labState, labTest, waitForLab } from './lib/harness.mjs';

labTest('the lab renders and the title names nodelab', async (page) => {
  await waitForLab(page);
  assert.match(await page.title(), /nodelab/i);
});

labTest('step advances the simulation to the next event', async (page) => {
  await waitForLab(page);
  const start = await labState(page);
  assert.ok(atTimeZero(start.time), `the simulation starts at 0.000s (sim-time: ${start.time})`);

  // One step handles one event: the events list or the pods table changes. The first events may
  // happen at t=0 (the pod is scheduled as soon as it is applied), so sim-time has to move within
  // a few steps rather than on the first.
  await page.locator('[data-testid=step]').click();
  await eventually(async () => {
    const now = await labState(page);
    return now.events !== start.events || now.pods !== start.pods;
  }, 'the events list or the pods table to change after one step');

  for (let steps = 1; atTimeZero((await labState(page)).time); steps += 1) {
    assert.ok(steps < 5, 'sim-time still 0.000s after 5 steps');
    const before = await labState(page);
    await page.locator('[data-testid=step]').click();
    await eventually(async () => {
      const now = await labState(page);
      return now.time !== before.time || now.events !== before.events || now.pods !== before.pods;
    }, `step ${steps + 1} to change the lab`);
  }
});
