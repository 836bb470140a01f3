// `dndtrack report` as a person shares it: the file opens from disk with
// every outside request refused, says it is a report, shows each player's
// figures as counted here from the events this test wrote, renders a
// hostile name as text, and draws its charts from the inlined Chart.js.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
    Tally, d20, damage, differences, encounter, env, kcatProduce, launch, log,
    other, outDir, readPage, record, screenshotPath, spell, startDndtrack,
    uniqueName,
} from './lib.mjs';

const NAMES = ['Stravos', 'Wurs', '<img src=x onerror="window.__pwned=1">'];
let context;

after(async () => {
    await context?.close();
});

test('the report opens offline with the figures', { timeout: 90000 }, async () => {
    const topic = uniqueName('report');
    const tally = new Tally();
    const events = [];
    for (let i = 0; i < 75; i++) {
        const who = NAMES[i % NAMES.length];
        const make = [
            () => d20(who, (i % 20) + 1), () => damage(who, (i % 8) + 1),
            () => encounter(who, 'Orc'), () => spell(who, 'Shield'),
            () => other(who),
        ][i % 5];
        events.push(tally.add(make()));
    }
    await kcatProduce(topic, events.map(record));

    const file = path.join(outDir(), 'report.html');
    const run = startDndtrack(
        ['report', '-b', env.brokers, '-t', topic, '--out', file,
            '--players', 'all'], {}, 'report.log');
    const result = await run.exited;
    assert.deepEqual(result, { code: 0, signal: null }, 'dndtrack report ended');

    context = await launch({ viewport: { width: 1400, height: 1000 } });
    const page = context.pages()[0] ?? await context.newPage();
    const outside = [];
    await page.route('**/*', (route) => {
        const url = route.request().url();
        if (url.startsWith('file:')) return route.continue();
        outside.push(url);
        return route.abort();
    });
    await page.goto(`file://${file}`);
    await page.waitForFunction(
        () => document.querySelector('#status')?.dataset.state === 'report',
        null, { timeout: 10000 });

    const shown = await readPage(page);
    log(`report shows ${shown.messages} messages, ${Object.keys(shown.panels).length} panels`);
    assert.deepEqual(outside, [], 'requests that left the file');
    assert.equal(shown.messages, tally.messages, '#messages');
    for (const name of NAMES) {
        assert.deepEqual(differences(shown.panels[name], tally.fields(name), name), [],
            `panel of ${name}`);
    }
    assert.equal(await page.evaluate(() => window.__pwned), undefined, 'a script ran');
    assert.equal(await page.evaluate(() => typeof window.Chart), 'function',
        'Chart.js is inlined');
    assert.ok(await page.locator('canvas[data-chart="d20"]').count() >= NAMES.length,
        'a d20 chart per panel');
    await page.screenshot({ path: screenshotPath('report.png') });
});
