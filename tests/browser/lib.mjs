// Shared helpers of the dashboard's browser tests: the environment that
// tests/run.sh gives, free loopback ports, consumers and demos started and
// stopped by the tests, events written to the broker with kcat, a tally of
// those events made without the product's code, and Debian's chromium
// driven by playwright-core.
//
// Every address used is a loopback one; every wait has a deadline.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import {
    createWriteStream, mkdirSync, mkdtempSync, rmSync, openSync, closeSync,
} from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium } from 'playwright-core';

export { sleep };

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
    '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync',
];

// The keys dndtrack reads from its environment; the tests set the ones they
// need and drop the rest, so that the caller's settings change nothing.
const DNDTRACK_KEYS = [
    'KAFKA_BROKER_ADDRESS', 'DND_TOPIC', 'MESSAGE_INTERVAL_SECONDS',
    'DND_CONSUMER_GROUP_ID', 'TRACKED_PLAYERS', 'VIZ_REFRESH_MESSAGES',
    'DASHBOARD_ADDRESS', 'DND_STATE_DIR',
];

function need(name) {
    const v = process.env[name];
    if (!v) {
        throw new Error(`${name} is not set (run through tests/run.sh or ` +
            'tests/e2e/30-dashboard-browser.sh)');
    }
    return v;
}

const LOOPBACK_HOST = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost|\[::1\])$/;

// Throws unless every host:port of a broker list is a loopback address.
function loopbackOnly(list) {
    for (const item of list.split(',')) {
        const host = item.trim().replace(/^[a-z]+:\/\//i, '')
            .replace(/:\d+$/, '');
        if (!LOOPBACK_HOST.test(host)) {
            throw new Error(`refusing a broker that is not on loopback: ${item}`);
        }
    }
    return list;
}

export const env = {
    get dndtrack() { return need('DNDTRACK'); },
    get brokers() { return loopbackOnly(need('KAFKA_BROKERS')); },
    get out() { return path.join(need('TEST_OUT'), 'browser'); },
    get screenshots() { return path.join(need('TEST_OUT'), 'screenshots'); },
};

export function outDir() {
    mkdirSync(env.out, { recursive: true });
    return env.out;
}

export function screenshotPath(name) {
    mkdirSync(env.screenshots, { recursive: true });
    return path.join(env.screenshots, name);
}

// Prints a line to the test's log, with the time since the process began.
export function log(...args) {
    const t = (performance.now() / 1000).toFixed(1).padStart(6);
    console.log(`[${t}s]`, ...args);
}

// A name unique to this run, made of characters Kafka accepts in topics.
export function uniqueName(prefix) {
    const r = Math.floor(Math.random() * 1e9);
    return `${prefix}-${Date.now()}-${process.pid}-${r}`;
}

// A TCP port free on 127.0.0.1 right now.
export async function freePort() {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1');
    await once(srv, 'listening');
    const { port } = srv.address();
    srv.close();
    await once(srv, 'close');
    return port;
}

// Waits until check() returns a truthy value, at most ms milliseconds, trying
// every step ms; returns that value, or throws with what() in the message.
export async function waitFor(check, { ms = 10000, step = 100, what = 'condition' } = {}) {
    const end = Date.now() + ms;
    let last;
    for (let i = 0; i < Math.ceil(ms / step) + 1; i++) {
        try {
            const v = await check();
            if (v) return v;
            last = v;
        } catch (e) {
            last = e;
        }
        if (Date.now() >= end) break;
        await sleep(step);
    }
    throw new Error(`timed out after ${ms} ms waiting for ${what}` +
        (last instanceof Error ? ` (last error: ${last.message})` : ''));
}

// Processes started by the tests, ended when the test process exits.
const children = new Set();
process.on('exit', () => {
    for (const c of children) {
        try { c.kill('SIGKILL'); } catch { /* already gone */ }
    }
});

function childEnv(extra) {
    const e = { ...process.env };
    for (const k of DNDTRACK_KEYS) delete e[k];
    return { ...e, ...extra };
}

// A working directory of its own, so that no .env file is read.
const workDir = mkdtempSync(path.join(os.tmpdir(), 'dndtrack-browser-'));
process.on('exit', () => rmSync(workDir, { recursive: true, force: true }));

// Starts dndtrack with args, its output going to logName in the output
// folder. Returns { proc, exited, stop(signal) }.
export function startDndtrack(args, extraEnv, logName) {
    const logFile = path.join(outDir(), logName);
    const fd = openSync(logFile, 'a');
    const proc = spawn(env.dndtrack, args, {
        cwd: workDir, env: childEnv(extraEnv), stdio: ['ignore', fd, fd],
    });
    closeSync(fd);
    children.add(proc);
    const exited = new Promise((resolve) => {
        proc.on('error', (e) => {
            children.delete(proc);
            resolve({ code: null, signal: null, error: e.message });
        });
        proc.on('exit', (code, signal) => {
            children.delete(proc);
            resolve({ code, signal });
        });
    });
    let gone = false;
    exited.then(() => { gone = true; });
    return {
        proc, exited, logFile,
        get running() { return !gone; },
        async stop(signal = 'SIGTERM', ms = 5000) {
            if (gone) return exited;
            proc.kill(signal);
            const r = await Promise.race([exited, sleep(ms).then(() => null)]);
            if (r) return r;
            proc.kill('SIGKILL');
            return exited;
        },
    };
}

async function waitHealthy(url, server, ms) {
    await waitFor(async () => {
        if (!server.running) {
            throw new Error(`dndtrack exited; see ${server.logFile}`);
        }
        const r = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
        return r.ok;
    }, { ms, step: 200, what: `${url}/healthz` });
}

// Starts `dndtrack consume` on a topic and a free (or given) loopback port
// and waits until its dashboard answers.
export async function startConsume({
    topic, port, group, tracked = 'Stravos,Wurs', refresh, logName,
} = {}) {
    port = port ?? await freePort();
    group = group ?? uniqueName('browser-group');
    const url = `http://127.0.0.1:${port}`;
    const extra = { TRACKED_PLAYERS: tracked };
    if (refresh !== undefined) extra.VIZ_REFRESH_MESSAGES = String(refresh);
    const server = startDndtrack(
        ['consume', '-b', env.brokers, '-t', topic, '-G', group,
            '--dashboard', `127.0.0.1:${port}`],
        extra, logName ?? `consume-${port}.log`);
    await waitHealthy(url, server, 30000);
    return { ...server, url, port, group };
}

// Starts `dndtrack demo` (its own embedded broker) on a loopback port.
export async function startDemo({ rate = 20, tracked = 'Stravos,Wurs' } = {}) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const server = startDndtrack(
        ['demo', '--dashboard', `127.0.0.1:${port}`, '--rate', String(rate)],
        { TRACKED_PLAYERS: tracked }, `demo-${port}.log`);
    await waitHealthy(url, server, 30000);
    return { ...server, url, port };
}

// GET /api/players of a dashboard.
export async function apiPlayers(url) {
    const r = await fetch(`${url}/api/players`, { signal: AbortSignal.timeout(5000) });
    if (!r.ok) throw new Error(`/api/players answered ${r.status}`);
    return r.json();
}

// Waits until /api/players counts `messages` messages.
export async function waitMessages(url, messages, ms = 30000) {
    return waitFor(async () => {
        const doc = await apiPlayers(url);
        return doc.messages === messages ? doc : null;
    }, { ms, step: 100, what: `${messages} messages on ${url}/api/players` });
}

// Writes records ({key, value} with value a string) to a topic with kcat,
// one line each, and resolves with the time kcat returned, which is after
// every message was delivered (kcat waits for the delivery reports).
export async function kcatProduce(topic, records, ms = 30000) {
    for (const { key, value } of records) {
        if (/[\t\n]/.test(key) || value.includes('\n')) {
            throw new Error('a key or value holds a tab or newline');
        }
    }
    const proc = spawn('kcat', ['-P', '-b', env.brokers, '-t', topic, '-K', '\\t'],
        { stdio: ['pipe', 'ignore', 'pipe'] });
    children.add(proc);
    let err = '';
    proc.stderr.on('data', (d) => { err += d; });
    proc.stdin.on('error', (e) => { err += ` (input: ${e.message})`; });
    const done = once(proc, 'exit');
    for (const { key, value } of records) {
        if (!proc.stdin.write(`${key}\t${value}\n`)) await once(proc.stdin, 'drain');
    }
    proc.stdin.end();
    const timer = setTimeout(() => proc.kill('SIGKILL'), ms);
    const [code] = await done;
    clearTimeout(timer);
    const at = Date.now();
    children.delete(proc);
    if (code !== 0) throw new Error(`kcat exited ${code}: ${err.trim()}`);
    return at;
}

// A line of kcat for one event, keyed by its player.
export function record(ev) {
    return { key: ev.player, value: JSON.stringify(ev) };
}

let clock = Date.UTC(2025, 1, 24, 20, 0, 0);
function stamp() {
    clock += 1000;
    return new Date(clock).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// Events in the original project's three shapes.
export function d20(player, n, context = 'attack_roll') {
    return { timestamp: stamp(), player, event_type: 'dice_roll',
        dice_type: 'd20', roll_result: n, context };
}
export function damage(player, n) {
    return { timestamp: stamp(), player, event_type: 'dice_roll',
        dice_type: 'd8', roll_result: n, context: 'damage' };
}
export function encounter(player, monster) {
    return { timestamp: stamp(), player, event_type: 'encounter',
        monster_type: monster, location: 'cave', initiative_order: 7 };
}
export function spell(player, name) {
    return { timestamp: stamp(), player, event_type: 'spell_cast',
        spell_name: name, target: 'enemy', effect: 'damage' };
}
export function other(player) {
    return { timestamp: stamp(), player, event_type: 'short_rest' };
}

// What the figures of the events produced must be, by the rules of
// docs/events.md, for the events shapes above.
export class Tally {
    constructor() {
        this.messages = 0;
        this.invalid = 0;
        this.players = new Map();
    }

    player(name) {
        if (!this.players.has(name)) {
            this.players.set(name, {
                events: { dice_roll: 0, encounter: 0, spell_cast: 0, other: 0 },
                rolls: 0, sum: 0, nat20: 0, nat1: 0, damage: 0,
            });
        }
        return this.players.get(name);
    }

    add(ev) {
        this.messages++;
        const p = this.player(ev.player);
        const kind = ['dice_roll', 'encounter', 'spell_cast'].includes(ev.event_type)
            ? ev.event_type : 'other';
        p.events[kind]++;
        if (ev.event_type === 'dice_roll' && ev.dice_type === 'd20' &&
            ev.roll_result >= 1 && ev.roll_result <= 20) {
            p.rolls++;
            p.sum += ev.roll_result;
            if (ev.roll_result === 20) p.nat20++;
            if (ev.roll_result === 1) p.nat1++;
        }
        if (ev.event_type === 'dice_roll' && /^damage$/i.test(ev.context ?? '')) {
            p.damage += ev.roll_result;
        }
        return ev;
    }

    addInvalid() {
        this.messages++;
        this.invalid++;
    }

    // The panel's fields as the contract names them.
    fields(name) {
        const p = this.player(name);
        return {
            'events.dice_roll': p.events.dice_roll,
            'events.encounter': p.events.encounter,
            'events.spell_cast': p.events.spell_cast,
            'events.other': p.events.other,
            'd20.rolls': p.rolls,
            'd20.nat20': p.nat20,
            'd20.nat1': p.nat1,
            'd20.mean': p.rolls ? p.sum / p.rolls : null,
            damage_total: p.damage,
        };
    }
}

// The same fields, read from one player of an /api/players document.
export function apiFields(doc, name) {
    const p = doc.players.find((q) => q.player === name);
    if (!p) return null;
    return {
        'events.dice_roll': p.events.dice_roll,
        'events.encounter': p.events.encounter,
        'events.spell_cast': p.events.spell_cast,
        'events.other': p.events.other,
        'd20.rolls': p.d20.rolls,
        'd20.nat20': p.d20.nat20,
        'd20.nat1': p.d20.nat1,
        'd20.mean': p.d20.mean,
        damage_total: p.damage_total,
    };
}

export const FIELDS = [
    'events.dice_roll', 'events.encounter', 'events.spell_cast',
    'events.other', 'd20.rolls', 'd20.nat20', 'd20.nat1', 'd20.mean',
    'damage_total',
];

// The number a piece of text on the page shows, or null when it shows none
// ("—" for a mean not known yet). Group separators are ignored.
export function shownNumber(text) {
    if (text == null) return null;
    const t = String(text).replace(/[\s,\u00a0\u202f\u2009']/g, '');
    const m = t.match(/-?\d+(\.\d+)?/);
    return m ? Number(m[0]) : null;
}

// Lists how a set of fields differs from the expected one: [] when equal.
// A mean may be rounded to one decimal on either side.
export function differences(got, want, where) {
    const out = [];
    for (const k of Object.keys(want)) {
        const w = want[k];
        const g = got?.[k];
        let same;
        if (k === 'd20.mean') {
            same = (w == null) ? (g == null) : (g != null && Math.abs(g - w) <= 0.051);
        } else {
            same = g === w;
        }
        if (!same) out.push(`${where} ${k}: shown ${g}, expected ${w}`);
    }
    return out;
}

// Reads every panel of the page: { name: { field: number|null } } together
// with #messages, #invalid and the state.
export async function readPage(page) {
    const raw = await page.evaluate((fields) => {
        const panels = {};
        for (const el of document.querySelectorAll('.panel[data-player]')) {
            const f = {};
            for (const k of fields) {
                const x = el.querySelector(`[data-field="${k}"]`);
                f[k] = x ? x.textContent : undefined;
            }
            panels[el.dataset.player] = f;
        }
        const text = (sel) => document.querySelector(sel)?.textContent ?? null;
        return {
            panels,
            messages: text('#messages'),
            invalid: text('#invalid'),
            state: document.querySelector('#status')?.dataset.state ?? null,
        };
    }, FIELDS);
    const panels = {};
    for (const [name, f] of Object.entries(raw.panels)) {
        panels[name] = {};
        for (const k of FIELDS) {
            panels[name][k] = f[k] === undefined ? undefined : shownNumber(f[k]);
        }
    }
    return {
        panels,
        messages: shownNumber(raw.messages),
        invalid: shownNumber(raw.invalid),
        state: raw.state,
    };
}

// Compares the page with an /api/players document: the panels shown, each
// one's fields, #messages and #invalid. Returns the differences.
export function pageVsApi(shown, doc, names) {
    const diffs = [];
    if (shown.messages !== doc.messages) {
        diffs.push(`#messages: shown ${shown.messages}, API ${doc.messages}`);
    }
    if (shown.invalid !== doc.invalid) {
        diffs.push(`#invalid: shown ${shown.invalid}, API ${doc.invalid}`);
    }
    for (const name of names) {
        const want = apiFields(doc, name);
        if (!want) {
            diffs.push(`${name}: not in /api/players`);
        } else if (!shown.panels[name]) {
            diffs.push(`${name}: no panel`);
        } else {
            diffs.push(...differences(shown.panels[name], want, name));
        }
    }
    return diffs;
}

// Waits until the page shows what /api/players says, for the given panels;
// throws with the last differences when it does not within ms.
export async function waitPageMatchesApi(page, url, names, ms = 5000) {
    let diffs = ['not compared yet'];
    const end = Date.now() + ms;
    for (let i = 0; i < Math.ceil(ms / 100) + 1 && Date.now() < end; i++) {
        const doc = await apiPlayers(url);
        const shown = await readPage(page);
        diffs = pageVsApi(shown, doc, names);
        if (diffs.length === 0) return { doc, shown };
        await sleep(100);
    }
    throw new Error(`the page does not show /api/players after ${ms} ms:\n  ` +
        diffs.join('\n  '));
}

// Launches Debian's chromium with a fresh profile. Returns the context,
// whose close() also removes the profile.
export async function launch({ viewport = { width: 1280, height: 900 } } = {}) {
    const profile = mkdtempSync(path.join(os.tmpdir(), 'dndtrack-chromium-'));
    const context = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        args: CHROMIUM_ARGS,
        viewport,
        timeout: 60000,
    });
    const close = context.close.bind(context);
    context.close = async () => {
        try { await close(); } finally { rmSync(profile, { recursive: true, force: true }); }
    };
    return context;
}

// Opens a page and records what it says on its console and what fails
// there, in a log file of the output folder.
export async function openPage(context, url, logName = 'console.log') {
    const page = context.pages()[0] ?? await context.newPage();
    const logStream = createWriteStream(path.join(outDir(), logName), { flags: 'a' });
    page.errors = [];
    page.on('console', (m) => logStream.write(`${m.type()}: ${m.text()}\n`));
    page.on('pageerror', (e) => {
        page.errors.push(e);
        logStream.write(`pageerror: ${e.message}\n`);
    });
    await page.goto(url, { waitUntil: 'load', timeout: 15000 });
    return page;
}

// Waits until #status says the given state.
export async function waitState(page, state, ms) {
    await page.waitForFunction(
        (s) => document.querySelector('#status')?.dataset.state === s,
        state, { timeout: ms, polling: 50 });
}

// A kcat that stays open: write(records) sends more lines, end() closes its
// input and resolves once it has delivered everything and exited.
export function kcatStream(topic) {
    const proc = spawn('kcat', ['-P', '-b', env.brokers, '-t', topic, '-K', '\\t'],
        { stdio: ['pipe', 'ignore', 'pipe'] });
    children.add(proc);
    let err = '';
    proc.stderr.on('data', (d) => { err += d; });
    proc.stdin.on('error', (e) => { err += ` (input: ${e.message})`; });
    const done = once(proc, 'exit');
    return {
        async write(records) {
            const text = records.map(({ key, value }) => `${key}\t${value}\n`).join('');
            if (!proc.stdin.write(text)) await once(proc.stdin, 'drain');
        },
        async end(ms = 30000) {
            proc.stdin.end();
            const timer = setTimeout(() => proc.kill('SIGKILL'), ms);
            const [code] = await done;
            clearTimeout(timer);
            children.delete(proc);
            if (code !== 0) throw new Error(`kcat exited ${code}: ${err.trim()}`);
        },
    };
}
