// Course pages: quiz progress survives a reload, the language switch switches the lesson and
// the quiz, and every section's lab opens from its lab card and plays.

import assert from 'node:assert/strict';
import { baseUrl, eventually, labTest, simSeconds, textOf } from './lib/harness.mjs';

const HANGUL = /[\uac00-\ud7a3]/;

/** Opens a course route and waits for the section page. */
async function openSection(page, section) {
  await page.goto(new URL(`#/session-7/${section}`, baseUrl()).href);
  await page.locator(`[data-testid=section][data-section="${section}"]`).waitFor({ timeout: 30_000 });
}

labTest('#/ opens the first section, with objectives and the breadcrumb', async (page) => {
  await page.goto(baseUrl().href);
  await page.locator('[data-testid=section]').waitFor({ timeout: 30_000 });
  const first = await page.locator('[data-testid=toc-link]').first().getAttribute('data-section');
  assert.equal(await page.locator('[data-testid=section]').getAttribute('data-section'), first);
  assert.equal(first, 'objectives');
  assert.ok(await page.locator('[data-testid=objectives] li').count() > 0, 'objectives listed');
  assert.match(await textOf(page, '[data-testid=course-breadcrumb]'), /2주차 › 1일차 › /);
  // The last section has the references and the next-session teaser.
  await page.locator('[data-testid=toc-link][data-section=discussion]').click();
  await page.locator('[data-testid=section][data-section=discussion]').waitFor();
  assert.ok(await page.locator('[data-testid=references] a[href^="https://"]').count() > 0);
  assert.ok(((await textOf(page, '[data-testid=next-session]')) ?? '').length > 10);
});

labTest('a quiz answer is saved and survives a reload; reset clears it', async (page) => {
  await openSection(page, 'kubelet');
  const question = page.locator('[data-testid=question][data-kind=single]').first();
  const id = await question.getAttribute('data-question');
  await question.locator('[data-testid=quiz-option]').first().check();
  await question.locator('[data-testid=quiz-check]').click();
  const feedback = question.locator('[data-testid=quiz-feedback]');
  await feedback.waitFor();
  const correct = await feedback.getAttribute('data-correct');
  assert.ok(correct === 'true' || correct === 'false');
  const progress = page.locator('[data-testid=course-progress]');
  assert.equal(await progress.getAttribute('data-answered'), '1');
  const stored = await page.evaluate(() => JSON.parse(localStorage.getItem('nodelab.v1.progress') ?? 'null'));
  assert.equal(stored?.schema, 1, 'progress is a schema record like the lab\'s');
  assert.equal(stored?.answers?.[id]?.section, 'kubelet');

  await page.reload();
  await page.locator('[data-testid=section][data-section=kubelet]').waitFor({ timeout: 30_000 });
  const saved = page.locator(`[data-testid=question][data-question="${id}"] [data-testid=quiz-saved]`);
  await saved.waitFor();
  assert.equal(await saved.getAttribute('data-correct'), correct);
  assert.equal(await progress.getAttribute('data-answered'), '1');
  assert.equal(await progress.getAttribute('data-correct'), correct === 'true' ? '1' : '0');
  assert.match(
    await textOf(page, '[data-testid=toc-progress][data-section=kubelet]'),
    new RegExp(` ${correct === 'true' ? 1 : 0}/\\d+$`),
  );

  await page.locator('[data-testid=progress-reset]').click();
  await eventually(async () => (await progress.getAttribute('data-answered')) === '0', 'progress reset');
  assert.equal(await saved.count(), 0);
});

labTest('corrupt or old saved progress is moved aside with a notice; the quiz still works', async (page) => {
  for (const [bad, why] of [['{not json', 'unreadable'], ['{"schema":7,"answers":{}}', 'another schema']]) {
    // Stored while the free lab is open; the section page reads it when it opens.
    await page.goto(new URL('#/session-7/lab', baseUrl()).href);
    await page.evaluate((raw) => {
      localStorage.clear();
      localStorage.setItem('nodelab.v1.progress', raw);
    }, bad);
    await openSection(page, 'kubelet');
    const notice = page.locator('[data-testid=section] [data-testid=storage-notice]');
    await notice.waitFor();
    assert.match(await notice.innerText(), /nodelab\.corrupt\.nodelab\.v1\.progress\.1/, why);
    assert.equal(
      await page.evaluate(() => localStorage.getItem('nodelab.corrupt.nodelab.v1.progress.1')),
      bad,
      `${why}: the old data is kept aside`,
    );
    assert.equal(await page.evaluate(() => localStorage.getItem('nodelab.v1.progress')), null);
    assert.equal(await page.locator('[data-testid=course-progress]').getAttribute('data-answered'), '0');
    await notice.locator('[data-testid=notice-dismiss]').click();
    assert.equal(await notice.count(), 0);
  }
  // Answering still saves.
  const question = page.locator('[data-testid=question][data-kind=single]').first();
  await question.locator('[data-testid=quiz-option]').first().check();
  await question.locator('[data-testid=quiz-check]').click();
  await question.locator('[data-testid=quiz-feedback]').waitFor();
  assert.equal(await page.locator('[data-testid=course-progress]').getAttribute('data-answered'), '1');
});

labTest('an ordering question is answered with the keyboard and retry reshuffles', async (page) => {
  await openSection(page, 'cri');
  const question = page.locator('[data-testid=question][data-kind=order]').first();
  if ((await question.count()) === 0) {
    await openSection(page, 'kubelet');
  }
  const q = page.locator('[data-testid=question][data-kind=order]').first();
  const order = async () => q.locator('[data-testid=order-item]').evaluateAll((els) => els.map((e) => e.dataset.item));
  const before = await order();
  assert.ok(before.length >= 3, 'an ordering question with items');
  await q.locator('[data-testid=move-down]').first().focus();
  await page.keyboard.press('Enter');
  const moved = await order();
  assert.deepEqual(moved, [before[1], before[0], ...before.slice(2)]);
  await q.locator('[data-testid=quiz-check]').click();
  await q.locator('[data-testid=quiz-feedback]').waitFor();
  await q.locator('[data-testid=quiz-retry]').click();
  const again = await order();
  assert.deepEqual([...again].sort(), [...before].sort());
  assert.notDeepEqual(again, moved, 'retry shows a new order');
});

labTest('switching language switches the lesson and the quiz', async (page) => {
  await openSection(page, 'kubelet');
  const heading = () => textOf(page, '[data-testid=section] .prose h2');
  const prompt = () => textOf(page, '[data-testid=question] h3');
  assert.equal(await heading(), 'kubelet 아키텍처');
  const koPrompt = await prompt();
  assert.match(koPrompt, HANGUL);
  await page.locator('[data-testid=lang-toggle]').click();
  await eventually(async () => (await heading()) === 'kubelet architecture', 'the English heading');
  const enPrompt = await prompt();
  assert.notEqual(enPrompt, koPrompt);
  assert.doesNotMatch(enPrompt, HANGUL);
  assert.equal(await textOf(page, '[data-testid=quiz] h2'), 'Check yourself');
  assert.match(await textOf(page, '[data-testid=course-breadcrumb]'), /Week 2 › Day 1 › /);
});

labTest("every section's lab opens from its card and plays", async (page) => {
  await openSection(page, 'objectives');
  const sections = await page.locator('[data-testid=toc-link]').evaluateAll((els) => els.map((e) => e.dataset.section));
  assert.equal(sections.length, 6);
  for (const section of sections) {
    await openSection(page, section);
    const card = page.locator('[data-testid=lab-card]').first();
    assert.equal(await card.count(), 1, `${section} has a lab card`);
    const scenario = await card.getAttribute('data-scenario');
    await card.locator('[data-testid=open-lab]').click();
    await eventually(
      async () => (await page.locator('[data-testid=scenario]').inputValue()) === scenario,
      `${section}: the lab loads ${scenario}`,
    );
    await eventually(async () => (await card.getAttribute('class')).includes('active'), `${section}: card active`);
    const start = await simSeconds(page);
    await page.locator('[data-testid=play]').click();
    await eventually(async () => (await simSeconds(page)) >= start + 3, `${section}: sim-time advances`, 15_000);
    await page.locator('[data-testid=pause]').click();
    assert.ok(
      (await page.locator('[data-testid=pods-table] tr[data-pod]').count()) > 0,
      `${section}: the pods table shows pods (${scenario})`,
    );
  }
});

labTest('a live diagram follows the lab', async (page) => {
  await openSection(page, 'kubelet');
  // The section opens its first lab (liveness-http at 40 s): the pod-lifecycle diagram follows it.
  const d = page.locator('[data-testid=diagram-pod-lifecycle]').first();
  await eventually(async () => (await d.getAttribute('data-live')) === 'true', 'the diagram is live');
  await eventually(async () => /restarts [1-9]/.test((await d.getAttribute('data-state')) ?? ''), 'restarts shown');
  assert.equal(await d.locator('svg title').count(), 1);
  await page.locator('[data-testid=rewind]').click();
  await eventually(async () => /Pending|restarts 0|^-$/.test((await d.getAttribute('data-state')) ?? ''), 'back at t = 0');
});
