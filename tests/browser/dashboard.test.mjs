// The live page of `dndtrack consume` against the real broker: its panels
// and charts, its figures against /api/players and against a tally of the
// events this test wrote with kcat, how soon an update shows, and the
// player chooser with the compact view.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
    Tally, apiFields, d20, damage, differences, encounter, kcatProduce,
    launch, log, openPage, other, readPage, record, screenshotPath, sleep,
    spell, startConsume, uniqueName, waitMessages, waitPageMatchesApi,
    waitState,
} from './lib.mjs';

const TRACKED = ['Stravos', 'Wurs'];
const REFRESH = 5;

const topic = uniqueName('browser-dash');
const tally = new Tally();
let server;
let context;
let page;

// A mixed batch for the tracked players and one that is not tracked.
function batch(round) {
    const evs = [];
    for (let i = 0; i < 6; i++) {
        evs.push(d20('Stravos', ((i * 7 + round * 3) % 20) + 1));
        evs.push(d20('Wurs', ((i * 11 + round * 5) % 20) + 1));
    }
    evs.push(d20('Stravos', 20), d20('Wurs', 1), d20('Wurs', 20));
    evs.push(damage('Stravos', 6 + round), damage('Wurs', 3));
    evs.push(encounter('Stravos', 'Goblin'), encounter('Wurs', 'Owlbear'));
    evs.push(spell('Wurs', 'Fireball'), spell('Stravos', 'Shield'));
    evs.push(other('Wurs'));
    evs.push(d20('Ya', 12), spell('Ya', 'Bless'));
    return evs;
}

async function send(evs, bad = []) {
    for (const e of evs) tally.add(e);
    for (let i = 0; i < bad.length; i++) tally.addInvalid();
    return kcatProduce(topic, [
        ...evs.map(record),
        ...bad.map((value) => ({ key: 'Wurs', value })),
    ]);
}

// The API must agree with what was sent, or the page cannot be judged.
function assertApiMatchesTally(doc) {
    assert.equal(doc.messages, tally.messages, '/api/players messages');
    assert.equal(doc.invalid, tally.invalid, '/api/players invalid');
    const diffs = [];
    for (const name of TRACKED) {
        diffs.push(...differences(apiFields(doc, name), tally.fields(name),
            `API ${name}`));
    }
    assert.deepEqual(diffs, [], 'the API disagrees with the events sent');
}

describe('dashboard of consume', { timeout: 120000 }, () => {
    before(async () => {
        // Writing first creates the topic, so the consumer finds it at once.
        await send(batch(0), ['{"player": "Wurs"', 'not json at all']);
        server = await startConsume({
            topic, tracked: TRACKED.join(','), refresh: REFRESH,
            logName: 'dashboard-consume.log',
        });
        log(`topic ${topic}, consumer on ${server.url}`);
        await waitMessages(server.url, tally.messages);
        context = await launch();
        page = await openPage(context, `${server.url}/`, 'dashboard-console.log');
        await waitState(page, 'live', 10000);
    });

    after(async () => {
        await context?.close();
        await server?.stop();
    });

    test('a panel with two charts for each tracked player', async () => {
        await page.waitForSelector('.panel[data-player]', { timeout: 5000 });
        const panels = await page.$$eval('.panel[data-player]', (els) => els.map((el) => ({
            name: el.dataset.player,
            events: el.querySelectorAll('canvas[data-chart="events"]').length,
            d20: el.querySelectorAll('canvas[data-chart="d20"]').length,
        })));
        log('panels:', JSON.stringify(panels));
        assert.deepEqual(panels.map((p) => p.name).sort(), [...TRACKED].sort(),
            'the panels shown by default are the tracked players');
        for (const p of panels) {
            assert.equal(p.events, 1, `${p.name}: canvas[data-chart=events]`);
            assert.equal(p.d20, 1, `${p.name}: canvas[data-chart=d20]`);
        }
    });

    test('the charts are drawn', async () => {
        // Something must have been painted on every canvas of a panel.
        await page.waitForFunction(() => {
            const canvases = [...document.querySelectorAll('.panel canvas[data-chart]')];
            return canvases.length > 0 && canvases.every((c) => {
                if (!c.width || !c.height) return false;
                const px = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data;
                if (!px) return false;
                for (let i = 3; i < px.length; i += 4) if (px[i]) return true;
                return false;
            });
        }, null, { timeout: 5000, polling: 100 });
    });

    test('the figures equal /api/players and the events sent', async () => {
        const { doc } = await waitPageMatchesApi(page, server.url, TRACKED);
        assertApiMatchesTally(doc);
        await page.screenshot({ path: screenshotPath('dashboard.png') });

        // More events while the page is open: they arrive by the stream.
        await send(batch(1), ['[]']);
        const doc2 = await waitMessages(server.url, tally.messages);
        assertApiMatchesTally(doc2);
        await waitPageMatchesApi(page, server.url, TRACKED);
        const shown = await readPage(page);
        log(`page shows ${shown.messages} messages, ${shown.invalid} invalid`);
    });

    test(`an update shows within 1 s of every ${REFRESH}th message`, async () => {
        const delays = [];
        for (let round = 0; round < 3; round++) {
            const before = tally.messages;
            await waitPageMatchesApi(page, server.url, TRACKED);
            assert.equal((await readPage(page)).messages, before, 'count on screen');
            const target = before + REFRESH;
            // Polls the DOM every 20 ms from now on and notes when it shows
            // the new count.
            const seen = page.waitForFunction((n) => {
                const t = document.querySelector('#messages')?.textContent ?? '';
                const v = Number((t.replace(/[\s,\u00a0\u202f\u2009']/g, '')
                    .match(/-?\d+/) ?? [NaN])[0]);
                return v >= n ? { at: Date.now(), v } : null;
            }, target, { polling: 20, timeout: 15000 });
            const evs = [];
            for (let i = 0; i < REFRESH; i++) evs.push(d20(TRACKED[i % 2], 10 + i));
            const delivered = await send(evs);
            const shown = await (await seen).jsonValue();
            const delay = shown.at - delivered;
            delays.push(delay);
            log(`round ${round + 1}: ${target} messages on screen ${delay} ms ` +
                'after kcat returned');
            assert.equal(shown.v, target, 'the count shown');
            await sleep(300);
        }
        log(`delays: ${delays.join(', ')} ms`);
        for (const d of delays) {
            assert.ok(d <= 1000, `an update showed ${d} ms after delivery (limit 1000)`);
        }
    });

    test('the player chooser and the compact view', async () => {
        await page.evaluate(() => { window.__sameDocument = true; });
        const input = page.locator('#players-input');
        await input.fill('Wurs');
        await input.press('Enter');
        const onlyWurs = () => page.waitForFunction(() => {
            const names = [...document.querySelectorAll('.panel[data-player]')]
                .map((el) => el.dataset.player);
            return names.length === 1 && names[0] === 'Wurs';
        }, null, { timeout: 2000, polling: 50 });
        try {
            await onlyWurs();
        } catch {
            // No answer to Enter: press the button that goes with the field.
            const button = page.locator('#players-input').locator(
                'xpath=ancestor::form[1]//button | ancestor::form[1]//input[@type="submit"]' +
                ' | following-sibling::button[1]').first();
            log('Enter did not apply the choice; clicking the button next to it');
            await button.click({ timeout: 2000 });
            await onlyWurs();
        }
        const url = new URL(page.url());
        assert.equal(url.searchParams.get('players'), 'Wurs', `players= in ${page.url()}`);
        assert.equal(await page.evaluate(() => window.__sameDocument), true,
            'the page was reloaded to apply the choice');

        const compact = await context.newPage();
        await compact.goto(`${server.url}/?compact=1&players=Wurs`, { waitUntil: 'load' });
        await compact.waitForSelector('.panel[data-player]', { timeout: 5000 });
        await waitPageMatchesApi(compact, server.url, ['Wurs']);
        const view = await compact.evaluate(() => {
            const shows = (sel) => [...document.querySelectorAll(sel)].some((el) => {
                const r = el.getBoundingClientRect();
                return r.width > 0 && r.height > 0 &&
                    getComputedStyle(el).visibility !== 'hidden';
            });
            const alpha = (el) => {
                const m = getComputedStyle(el).backgroundColor.match(/rgba?\(([^)]*)\)/);
                const parts = m ? m[1].split(/[\s,/]+/).filter(Boolean) : [];
                return parts.length === 4 ? Number(parts[3]) : 1;
            };
            return {
                compact: document.body.classList.contains('compact'),
                panels: [...document.querySelectorAll('.panel[data-player]')]
                    .map((el) => el.dataset.player),
                others: ['#party', '#feed', '#players-input'].filter(shows),
                alpha: { html: alpha(document.documentElement), body: alpha(document.body) },
            };
        });
        // Without a background of its own, as an overlay is laid on a video.
        await compact.screenshot({
            path: screenshotPath('compact-wurs.png'), omitBackground: true,
        });
        log(`compact view: ${JSON.stringify(view)}`);
        assert.equal(view.compact, true, 'body.compact');
        assert.deepEqual(view.panels, ['Wurs'], 'the panels of ?compact=1&players=Wurs');
        assert.deepEqual(view.others, [], 'the compact view shows panels only');
        assert.deepEqual(view.alpha, { html: 0, body: 0 },
            'the compact view\'s background is transparent');
        await compact.close();
    });
});
