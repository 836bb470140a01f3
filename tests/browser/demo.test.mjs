// `dndtrack demo` at 20 events a second, seen as a person would: a
// screenshot of the page at 1400x1000 after about 8 seconds, which the
// README shows, and panels that have counted something.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import {
    FIELDS, apiPlayers, launch, log, openPage, readPage, screenshotPath, sleep,
    startDemo, waitState,
} from './lib.mjs';

const TRACKED = ['Stravos', 'Wurs'];
let demo;
let context;

after(async () => {
    await context?.close();
    await demo?.stop();
});

test('the demo fills the panels', { timeout: 60000 }, async () => {
    demo = await startDemo({ rate: 20, tracked: TRACKED.join(',') });
    const started = Date.now();
    log(`demo on ${demo.url}`);
    context = await launch({ viewport: { width: 1400, height: 1000 } });
    await sleep(Math.max(0, 8000 - (Date.now() - started)));
    const page = await openPage(context, `${demo.url}/`, 'demo-console.log');
    await waitState(page, 'live', 10000);
    await page.waitForFunction(() => document.querySelectorAll('.panel[data-player]').length > 0,
        null, { timeout: 5000 });
    await sleep(1500); // the charts' first drawing
    await page.screenshot({ path: screenshotPath('demo.png') });
    log(`screenshot ${screenshotPath('demo.png')}`);

    const shown = await readPage(page);
    const doc = await apiPlayers(demo.url);
    log(`page: ${shown.messages} messages; API: ${doc.messages}`);
    assert.deepEqual(Object.keys(shown.panels).sort(), [...TRACKED].sort(), 'the panels');
    assert.ok(shown.messages > 0, `#messages is ${shown.messages}`);
    assert.ok(shown.messages <= doc.messages, 'the page does not run ahead of the API');
    for (const name of TRACKED) {
        const f = shown.panels[name];
        const events = FIELDS.filter((k) => k.startsWith('events.'))
            .reduce((n, k) => n + (f[k] ?? 0), 0);
        log(`${name}: ${events} events, ${f['d20.rolls']} d20 rolls`);
        assert.ok(events > 0, `${name}'s panel counts no event`);
    }
});
