// Accessibility: axe-core on the lab in both themes, on a narrow and a wide viewport, and the
// keyboard path to the main controls with a visible focus ring.
//
// Enforced axe rules (any violation fails): color-contrast (text ≥ 4.5:1, large text ≥ 3:1),
// button-name, label, image-alt, svg-img-alt, select-name, input-button-name, link-name,
// aria-allowed-attr, aria-allowed-role, aria-command-name, aria-hidden-body,
// aria-hidden-focus, aria-input-field-name, aria-prohibited-attr, aria-required-attr,
// aria-required-children, aria-required-parent, aria-roles, aria-toggle-field-name,
// aria-valid-attr, aria-valid-attr-value, duplicate-id-aria, nested-interactive.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { baseUrl, labTest, waitForLab } from './lib/harness.mjs';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const RULES = [
  'color-contrast', 'button-name', 'label', 'image-alt', 'svg-img-alt', 'select-name',
  'input-button-name', 'link-name', 'aria-allowed-attr', 'aria-allowed-role',
  'aria-command-name', 'aria-hidden-body', 'aria-hidden-focus', 'aria-input-field-name',
  'aria-prohibited-attr', 'aria-required-attr', 'aria-required-children',
  'aria-required-parent', 'aria-roles', 'aria-toggle-field-name', 'aria-valid-attr',
  'aria-valid-attr-value', 'duplicate-id-aria', 'nested-interactive',
];

/** Runs axe with RULES on the page; returns "rule: target — summary" lines. */
async function violations(page) {
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(
    (rules) => window.axe.run(document, { runOnly: { type: 'rule', values: rules }, resultTypes: ['violations'] }),
    RULES,
  );
  return result.violations.flatMap((v) =>
    v.nodes.map((n) => `${v.id}: ${n.target.join(' ')} — ${n.failureSummary.split('\n').slice(1).join(' ')}`));
}

/** The theme in effect, from the page's background colour. */
async function isDark(page) {
  return page.evaluate(() => {
    const [r, g, b] = getComputedStyle(document.documentElement).backgroundColor.match(/\d+/g).map(Number);
    return r + g + b < 3 * 128;
  });
}

for (const [name, viewport] of [['narrow', { width: 420, height: 900 }], ['wide', { width: 1600, height: 1000 }]]) {
  labTest(`axe finds no violations in the light and dark themes (${name})`, async (page) => {
    await page.setViewportSize(viewport);
    await waitForLab(page);
    await page.locator('[data-testid=lab][data-ready]').waitFor();
    // Something in every table and list: a few steps in.
    for (let i = 0; i < 6; i += 1) await page.locator('[data-testid=step]').click();

    const toggle = page.locator('[data-testid=theme-toggle]');
    const startDark = await isDark(page);
    const first = await violations(page);
    await toggle.click();
    assert.notEqual(await isDark(page), startDark, 'the toggle switches the theme');
    const second = await violations(page);
    assert.deepEqual({ light: startDark ? second : first, dark: startDark ? first : second }, { light: [], dark: [] });
  });
}

labTest('axe finds no violations on every course section, in both themes, with quiz feedback shown', async (page) => {
  await page.setViewportSize({ width: 1600, height: 1000 });
  const found = {};
  for (const section of ['objectives', 'kubelet', 'cri', 'kube-proxy', 'services', 'discussion']) {
    await page.goto(new URL(`#/session-7/${section}`, baseUrl()).href);
    await page.locator(`[data-testid=section][data-section="${section}"]`).waitFor({ timeout: 30_000 });
    // Feedback and explanation visible for the first question (right or wrong alike).
    const question = page.locator('[data-testid=question]').first();
    if (await question.count()) {
      const option = question.locator('[data-testid=quiz-option]').first();
      if (await option.count()) await option.check();
      const input = question.locator('[data-testid=predict-input]').first();
      if (await input.count()) await input.fill('1');
      await question.locator('[data-testid=quiz-check]').click();
      await question.locator('[data-testid=quiz-feedback]').waitFor();
    }
    const toggle = page.locator('[data-testid=theme-toggle]');
    const startDark = await isDark(page);
    const first = await violations(page);
    await toggle.click();
    const second = await violations(page);
    await toggle.click();
    found[section] = { light: startDark ? second : first, dark: startDark ? first : second };
  }
  const empty = Object.fromEntries(Object.keys(found).map((k) => [k, { light: [], dark: [] }]));
  assert.deepEqual(found, empty);
});

labTest('the theme toggle is remembered and follows the system by default', async (page) => {
  await waitForLab(page);
  await page.emulateMedia({ colorScheme: 'dark' });
  assert.equal(await isDark(page), true, 'dark system preference, no stored choice: dark');
  await page.emulateMedia({ colorScheme: 'light' });
  assert.equal(await isDark(page), false, 'light system preference, no stored choice: light');
  await page.locator('[data-testid=theme-toggle]').click();
  assert.equal(await isDark(page), true);
  assert.equal(await page.evaluate(() => localStorage.getItem('nodelab.v1.theme')), 'dark');
  assert.equal(await page.locator('[data-testid=theme-toggle]').getAttribute('aria-pressed'), 'true');
  await page.reload();
  await waitForLab(page);
  assert.equal(await isDark(page), true, 'the stored choice wins over the light system preference');
});

labTest('lesson and lab sit side by side on wide screens and stack on narrow ones', async (page) => {
  const boxes = async () => {
    const lesson = await page.locator('[data-testid=lesson]').boundingBox();
    const lab = await page.locator('[data-testid=lab]').boundingBox();
    return { lesson, lab };
  };
  await page.setViewportSize({ width: 1600, height: 1000 });
  await waitForLab(page);
  let { lesson, lab } = await boxes();
  assert.ok(lesson.x + lesson.width <= lab.x, `wide: lesson left of the lab (${JSON.stringify({ lesson, lab })})`);
  await page.setViewportSize({ width: 800, height: 1000 });
  ({ lesson, lab } = await boxes());
  assert.ok(lesson.y + lesson.height <= lab.y, `narrow: lesson above the lab (${JSON.stringify({ lesson, lab })})`);
});

labTest('Tab reaches the main controls, each with a visible focus outline', async (page) => {
  await waitForLab(page);
  for (const dark of [false, true]) {
    await page.emulateMedia({ colorScheme: dark ? 'dark' : 'light' });
    const wanted = new Set(['theme-toggle', 'lang-toggle', 'scenario', 'manifest-editor', 'apply', 'reset', 'play', 'step', 'rewind']);
    const seen = new Set();
    await page.locator('body').focus();
    for (let i = 0; i < 60 && seen.size < wanted.size; i += 1) {
      await page.keyboard.press('Tab');
      const focused = await page.evaluate(() => {
        const el = document.activeElement;
        const style = getComputedStyle(el);
        return { id: el.dataset.testid, outline: style.outlineStyle, width: parseFloat(style.outlineWidth) };
      });
      if (wanted.has(focused.id)) {
        assert.ok(focused.outline !== 'none' && focused.width >= 2, `${focused.id} shows a focus outline (${JSON.stringify(focused)})`);
        seen.add(focused.id);
      }
      // The editor keeps Tab for itself only if it says so; leave it like a keyboard user would.
      if (focused.id === 'manifest-editor') await page.keyboard.press('Escape');
    }
    assert.deepEqual([...seen].sort(), [...wanted].sort(), `Tab reached every main control (${dark ? 'dark' : 'light'})`);
  }
});
