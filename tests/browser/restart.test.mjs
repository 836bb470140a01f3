// The page outlives its server: when the consumer stops it says so, and
// when a new one serves the same address it is live again with figures
// that count everything written meanwhile.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import {
    Tally, apiFields, d20, differences, encounter, kcatProduce, launch, log,
    openPage, record, spell, startConsume, uniqueName, waitMessages,
    waitPageMatchesApi, waitState,
} from './lib.mjs';

const TRACKED = ['Stravos', 'Wurs'];
const topic = uniqueName('browser-restart');
const tally = new Tally();
let first;
let second;
let context;

after(async () => {
    await context?.close();
    await first?.stop();
    await second?.stop();
});

async function send(evs) {
    for (const e of evs) tally.add(e);
    return kcatProduce(topic, evs.map(record));
}

function assertApiMatchesTally(doc) {
    assert.equal(doc.messages, tally.messages, '/api/players messages');
    const diffs = [];
    for (const name of TRACKED) {
        diffs.push(...differences(apiFields(doc, name), tally.fields(name), `API ${name}`));
    }
    assert.deepEqual(diffs, [], 'the API disagrees with the events sent');
}

test('the page reconnects to a restarted server', { timeout: 90000 }, async () => {
    await send([d20('Stravos', 20), d20('Wurs', 4), encounter('Wurs', 'Kobold'),
        spell('Stravos', 'Shield'), d20('Stravos', 1)]);
    first = await startConsume({ topic, logName: 'restart-consume-1.log' });
    const { port } = first;
    log(`topic ${topic}, first consumer on ${first.url}`);
    await waitMessages(first.url, tally.messages);
    context = await launch();
    const page = await openPage(context, `${first.url}/`, 'restart-console.log');
    await waitState(page, 'live', 10000);
    assertApiMatchesTally((await waitPageMatchesApi(page, first.url, TRACKED)).doc);

    const stoppedAt = Date.now();
    const exit = await first.stop('SIGTERM');
    log(`first consumer stopped (${JSON.stringify(exit)}) in ${Date.now() - stoppedAt} ms`);
    const left = Math.max(100, 5000 - (Date.now() - stoppedAt));
    try {
        await waitState(page, 'reconnecting', left);
    } catch {
        const state = await page.evaluate(() => document.querySelector('#status')?.dataset.state);
        assert.fail(`#status is '${state}' 5 s after SIGTERM, not 'reconnecting'`);
    }
    log(`#status reconnecting ${Date.now() - stoppedAt} ms after SIGTERM`);

    // Written while nobody serves: the new consumer must count these too.
    await send([d20('Wurs', 20), d20('Wurs', 20), d20('Stravos', 9),
        spell('Wurs', 'Fireball'), encounter('Stravos', 'Beholder')]);

    second = await startConsume({ topic, port, logName: 'restart-consume-2.log' });
    const startedAt = Date.now();
    await waitMessages(second.url, tally.messages);
    await waitState(page, 'live', 15000);
    log(`#status live again ${Date.now() - startedAt} ms after the second consumer answered`);
    const { doc } = await waitPageMatchesApi(page, second.url, TRACKED);
    assertApiMatchesTally(doc);
});
