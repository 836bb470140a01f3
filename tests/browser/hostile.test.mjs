// Player names are text written by whoever can produce to the topic: the
// page must show them as text, never run them, shorten one that is too
// long, and show other scripts and directions exactly.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
    d20, kcatProduce, launch, log, openPage, record, screenshotPath, sleep,
    startConsume, uniqueName, waitMessages, waitState,
} from './lib.mjs';

const IMG = '<img src=x onerror="window.__pwned=1">';
const SCRIPT = '<script>window.__pwned=2</script>';
const SVG = '"><svg onload=window.__pwned=3>';
const LONG = `Tiamat ${'x'.repeat(10 * 1024 - 7)}`;
const ACCENTED = 'Zoë Ångström';
const RTL = 'مرحبا';
const EMOJI = '🐉 Dragonborn';
const NAMES = [IMG, SCRIPT, SVG, LONG, ACCENTED, RTL, EMOJI];

const topic = uniqueName('browser-hostile');
let server;
let context;
let page;
const dialogs = [];

before(async () => {
    const evs = [d20('Stravos', 11)];
    for (const name of NAMES) evs.push(d20(name, 20), d20(name, 3));
    await kcatProduce(topic, evs.map(record));
    server = await startConsume({ topic, logName: 'hostile-consume.log' });
    log(`topic ${topic}, consumer on ${server.url}`);
    await waitMessages(server.url, evs.length);
    context = await launch();
    context.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });
    page = await openPage(context, `${server.url}/?players=all`, 'hostile-console.log');
    page.on('dialog', (d) => { dialogs.push(d.message()); });
    await waitState(page, 'live', 10000);
});

after(async () => {
    await context?.close();
    await server?.stop();
});

test('hostile, long and foreign names are shown as text', { timeout: 60000 }, async () => {
    const want = NAMES.length + 1;
    await page.waitForFunction((n) => document.querySelectorAll('.panel[data-player]').length >= n,
        want, { timeout: 5000, polling: 100 });
    // Room for an error or load handler to fire, had one been created.
    await sleep(1000);
    await page.screenshot({ path: screenshotPath('hostile-names.png'), fullPage: true });

    const seen = await page.evaluate((names) => {
        // The element that titles a panel: a heading, or else the deepest
        // element whose text holds the start of the name.
        function titleOf(panel, name) {
            const h = panel.querySelector('h1, h2, h3, h4, h5, h6');
            if (h) return h;
            const probe = name.slice(0, 10);
            let best = null;
            for (const el of panel.querySelectorAll('*')) {
                if (el.textContent.includes(probe) && (!best || best.contains(el))) best = el;
            }
            return best;
        }
        // How many characters of el a reader can see: those that are laid
        // out with some size inside every box of el and its ancestors that
        // clips what overflows it.
        function visibleChars(el) {
            let clip = { l: -Infinity, t: -Infinity, r: Infinity, b: Infinity };
            for (let a = el; a && a !== document.documentElement; a = a.parentElement) {
                const cs = getComputedStyle(a);
                if (cs.display === 'none' || cs.visibility === 'hidden') return 0;
                const r = a.getBoundingClientRect();
                if (cs.overflowX !== 'visible') {
                    clip = { ...clip, l: Math.max(clip.l, r.left), r: Math.min(clip.r, r.right) };
                }
                if (cs.overflowY !== 'visible') {
                    clip = { ...clip, t: Math.max(clip.t, r.top), b: Math.min(clip.b, r.bottom) };
                }
            }
            let n = 0;
            const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
            const range = document.createRange();
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                for (let i = 0; i < node.length; i++) {
                    range.setStart(node, i);
                    range.setEnd(node, i + 1);
                    for (const r of range.getClientRects()) {
                        if (r.width > 0 && r.height > 0 && r.right > clip.l &&
                            r.left < clip.r && r.bottom > clip.t && r.top < clip.b) {
                            n++;
                            break;
                        }
                    }
                }
            }
            return n;
        }
        const panels = [...document.querySelectorAll('.panel[data-player]')];
        const out = {};
        for (const name of names) {
            const panel = panels.find((p) => p.dataset.player === name);
            const title = panel && titleOf(panel, name);
            out[name] = panel ? {
                title: title ? title.textContent : null,
                visible: title ? visibleChars(title) : null,
            } : null;
        }
        return {
            names: out,
            panels: panels.length,
            pwned: typeof window.__pwned === 'undefined' ? 'undefined' : String(window.__pwned),
            injected: document.querySelectorAll(
                '.panel img, #feed img, .panel svg[onload], #feed svg[onload], ' +
                '[onerror], [onload], .panel script, #feed script').length,
        };
    }, NAMES);

    for (const [name, s] of Object.entries(seen.names)) {
        log(`${JSON.stringify(name.slice(0, 40))}${name.length > 40 ? '...' : ''}: ` +
            (s ? `title ${JSON.stringify((s.title ?? '').slice(0, 60))} ` +
                `(${s.title?.length} chars, ${s.visible} visible)` : 'no panel'));
    }
    log(`dialogs: ${dialogs.length}, window.__pwned ${seen.pwned}, ` +
        `injected elements ${seen.injected}, page errors ${page.errors.length}`);

    assert.equal(seen.pwned, 'undefined', 'window.__pwned was set by a name');
    assert.deepEqual(dialogs, [], 'a dialog was opened');
    assert.equal(seen.injected, 0, 'elements made from a name\'s markup');
    for (const name of NAMES) assert.ok(seen.names[name], `a panel for ${name.slice(0, 40)}`);
    assert.ok(seen.names[IMG].title?.includes('<img src=x'),
        `the title shows the markup as text: ${seen.names[IMG].title}`);
    assert.ok(seen.names[SCRIPT].title?.includes('<script>'), 'the <script> name as text');
    assert.ok(seen.names[SVG].title?.includes('<svg onload'), 'the <svg> name as text');
    assert.ok(seen.names[LONG].visible > 0, 'the long name shows at all');
    assert.ok(seen.names[LONG].visible < 100,
        `the 10 kB name shows ${seen.names[LONG].visible} characters (under 100 wanted)`);
    for (const name of [ACCENTED, RTL, EMOJI]) {
        assert.ok(seen.names[name].title?.includes(name),
            `${name} shown exactly: got ${JSON.stringify(seen.names[name].title)}`);
    }
});
