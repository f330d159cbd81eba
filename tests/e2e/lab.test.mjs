// The lab's interactive contract: transport controls, manifest errors and the language switch.
// Selectors are the app's data-testid attributes.

import assert from 'node:assert/strict';
import { atTimeZero, eventually, labTest, textOf, waitForLab } from './lib/harness.mjs';

/** A manifest whose last line is indented deeper than its siblings (a YAML error on line 5). */
const BROKEN_INDENT = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n   bad: indent\n';

/** A well-formed Pod with a misspelled `containers` field. */
const TYPO_FIELD = [
  'apiVersion: v1',
  'kind: Pod',
  'metadata:',
  '  name: typo',
  'spec:',
  '  contaners:',
  '  - name: web',
  '    image: nginx',
  '',
].join('\n');

/**
 * Replaces the editor's text and applies it; returns the error text shown.
 * @param {import('playwright-core').Page} page
 * @param {string} manifest
 */
async function applyManifest(page, manifest) {
  await page.locator('[data-testid=manifest-editor]').fill(manifest);
  await page.locator('[data-testid=apply]').click();
  const error = page.locator('[data-testid=yaml-error]');
  await error.waitFor({ state: 'visible', timeout: 5_000 });
  return (await error.textContent())?.trim() ?? '';
}

labTest('play runs nginx to Running and rewind returns to t=0', async (page) => {
  await waitForLab(page);
  await page.locator('[data-testid=play]').click();

  const status = 'tr[data-pod="nginx"] td[data-col=status]';
  await eventually(
    async () => (await textOf(page, status)) === 'Running',
    'the nginx pod row to show status Running',
    30_000,
  );

  await page.locator('[data-testid=rewind]').click();
  await eventually(
    async () => atTimeZero(await textOf(page, '[data-testid=sim-time]')),
    'sim-time to return to 0.000s after rewind',
  );
  await eventually(
    async () => (await page.locator('[data-testid=events] li').count()) === 0,
    'the events list to be empty after rewind',
  );
});

labTest('the manifest editor is a textarea', async (page) => {
  await waitForLab(page);
  const tag = await page.locator('[data-testid=manifest-editor]').evaluate((el) => el.tagName);
  assert.equal(tag, 'TEXTAREA');
});

labTest('broken YAML shows an error with its line and column', async (page) => {
  await waitForLab(page);
  const error = await applyManifest(page, BROKEN_INDENT);
  assert.match(error, /(^|\D)5:\d*/, `error names line 5 as line:column (got: ${error})`);
});

labTest('a misspelled field is reported with the right name', async (page) => {
  await waitForLab(page);
  const error = await applyManifest(page, TYPO_FIELD);
  assert.match(error, /containers/, `error suggests "containers" (got: ${error})`);
});

labTest('the language toggle switches between Korean and English', async (page) => {
  await waitForLab(page);
  const lang = () => page.evaluate(() => document.documentElement.lang);
  const playText = () => textOf(page, '[data-testid=play]');

  assert.equal(await lang(), 'ko', 'Korean is the default language');
  const korean = await playText();

  await page.locator('[data-testid=lang-toggle]').click();
  await eventually(async () => (await lang()) === 'en', 'the document language to become en');
  const english = await eventually(async () => {
    const text = await playText();
    return text !== korean && text;
  }, 'the play button text to change language');
  assert.ok(english);

  await page.locator('[data-testid=lang-toggle]').click();
  await eventually(async () => (await lang()) === 'ko', 'the document language to return to ko');
  await eventually(async () => (await playText()) === korean, 'the play button text to return to Korean');
});
