// A page left open while 500 players stream for a minute must not keep
// growing: its JavaScript heap after garbage collection, at 20 s and at
// 60 s, may at most double.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
    d20, encounter, kcatProduce, kcatStream, launch, log, openPage, record,
    sleep, spell, startConsume, uniqueName, waitMessages, waitPageMatchesApi,
    waitState,
} from './lib.mjs';

const PLAYERS = Array.from({ length: 500 }, (_, i) => `P${String(i).padStart(3, '0')}`);
const SECONDS = 60;
const PER_TICK = 20; // every 100 ms: 200 events a second
const topic = uniqueName('browser-memory');
let server;
let context;

after(async () => {
    await context?.close();
    await server?.stop();
});

function event(i) {
    const p = PLAYERS[i % PLAYERS.length];
    switch (i % 5) {
    case 3: return encounter(p, `Monster ${i % 37}`);
    case 4: return spell(p, `Spell ${i % 41}`);
    default: return d20(p, (i % 20) + 1);
    }
}

test('the page\'s heap does not keep growing', { timeout: 150000 }, async () => {
    let sent = 0;
    await kcatProduce(topic, PLAYERS.map((_, i) => record(event(sent + i))));
    sent += PLAYERS.length;
    server = await startConsume({
        topic, tracked: `${PLAYERS[0]},${PLAYERS[1]}`, logName: 'memory-consume.log',
    });
    await waitMessages(server.url, sent);
    context = await launch();
    const page = await openPage(context, `${server.url}/?players=all`, 'memory-console.log');
    await waitState(page, 'live', 10000);
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');

    // The consumer's resident memory, from /proc: it must stay flat too.
    const rss = {};
    function serverRss() {
        const status = readFileSync(`/proc/${server.proc.pid}/status`, 'utf8');
        return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)[1]) * 1024;
    }

    async function measure(label) {
        // Twice: what the first collection frees may let a second free more.
        await cdp.send('HeapProfiler.collectGarbage');
        await cdp.send('HeapProfiler.collectGarbage');
        const heap = await cdp.send('Runtime.getHeapUsage');
        const { metrics } = await cdp.send('Performance.getMetrics');
        const m = Object.fromEntries(metrics.map((x) => [x.name, x.value]));
        const shown = await page.evaluate(() => document.querySelector('#messages')?.textContent);
        rss[label] = serverRss();
        log(`${label}: server RSS ${(rss[label] / 1e6).toFixed(2)} MB`);
        log(`${label}: heap used ${(heap.usedSize / 1e6).toFixed(2)} MB of ` +
            `${(heap.totalSize / 1e6).toFixed(2)} MB, ${m.Nodes} nodes, ` +
            `${m.JSEventListeners} listeners, ${m.Documents} documents; ` +
            `sent ${sent}, #messages ${shown}`);
        return heap.usedSize;
    }

    const stream = kcatStream(topic);
    const start = Date.now();
    const used = {};
    const marks = [10, 20, 30, 40, 50];
    for (let tick = 0; tick < SECONDS * 10 + 50; tick++) {
        const t = (Date.now() - start) / 1000;
        if (t >= SECONDS) break;
        const batch = [];
        for (let i = 0; i < PER_TICK; i++) batch.push(record(event(sent + i)));
        await stream.write(batch);
        sent += PER_TICK;
        if (marks.length && t >= marks[0]) {
            const mark = marks.shift();
            used[mark] = await measure(`${mark} s`);
        }
        const next = start + (tick + 1) * 100;
        await sleep(Math.max(0, next - Date.now()));
    }
    await stream.end();
    used[SECONDS] = await measure(`${SECONDS} s`);

    // The page must still be up to date after the stream.
    await waitMessages(server.url, sent, 60000);
    await waitPageMatchesApi(page, server.url, [PLAYERS[0], PLAYERS[1]], 10000);

    const ratio = used[SECONDS] / used[20];
    log(`heap after GC: ${(used[20] / 1e6).toFixed(2)} MB at 20 s, ` +
        `${(used[SECONDS] / 1e6).toFixed(2)} MB at ${SECONDS} s (x${ratio.toFixed(2)})`);
    assert.ok(ratio <= 2, `the heap grew x${ratio.toFixed(2)} between 20 s and ${SECONDS} s`);
    // Every player exists by 20 s; later events only change counts.
    const grown = rss[`${SECONDS} s`] - rss['20 s'];
    assert.ok(grown <= 16e6, `the server grew ${(grown / 1e6).toFixed(1)} MB after 20 s`);
});
