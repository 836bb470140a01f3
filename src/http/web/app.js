// dndtrack dashboard script: builds the page in #app and keeps it in step with the figures.
// SPDX-License-Identifier: MIT
//
// The figures come either from a JSON block embedded in the page (a report
// written by `dndtrack report`, read once, no network) or from the server's
// event stream (`api/stream`, one whole document per `snapshot` event).
// Only the newest document is kept and the page is redrawn at most four
// times a second. Every string from the document reaches the page as text
// (textContent, text nodes, title and data-* attributes), never as markup.
(function () {
    'use strict';

    var EVENT_TYPES = ['dice_roll', 'encounter', 'spell_cast', 'other'];
    var EVENT_LABELS = {
        dice_roll: 'dice rolls',
        encounter: 'encounters',
        spell_cast: 'spells',
        other: 'other'
    };
    var FEED_LABELS = {
        dice_roll: 'roll',
        encounter: 'fight',
        spell_cast: 'spell',
        other: 'other'
    };
    var COLORS = {
        dice_roll: '#6ea8ff',
        encounter: '#ff8f66',
        spell_cast: '#c89bff',
        other: '#8fa1b3',
        face: '#7c6cf0',
        nat1: '#ff5d73',
        nat20: '#ffcf4d',
        fair: 'rgba(236, 232, 244, 0.85)',
        text: '#aaa4bb',
        grid: 'rgba(255, 255, 255, 0.07)'
    };
    var NAME_MAX = 40;       // characters of a name shown before an ellipsis
    var FEED_MAX = 50;       // items in the feed
    var TABLE_MAX = 100;     // rows in the party table
    var TOP_N = 5;           // spells and encounters listed per panel
    var MIN_ROLLS = 10;      // d20 rolls before a mean counts in the party view
    var FAIR_MEAN = 10.5;    // mean of a fair d20
    var FRAME_GAP_MS = 250;  // at most four redraws a second
    var RETRY_MS = 2000;     // reopening a stream the browser gave up on
    var DASH = '\u2013';

    window.dndtrackRedraws = 0;

    var params = new URLSearchParams(window.location.search);
    var ChartLib = null;
    var dom = {};
    var panels = new Map();        // shown name -> panel
    var panelOfElement = new WeakMap();
    var observer = null;
    var latest = null;             // newest document received
    var drawnDoc = null;           // document of the last redraw
    var lastDrawAt = -Infinity;
    var gateTimer = 0;
    var frameId = 0;
    var mode = 'live';             // 'live' or 'report'
    var source = null;
    var retryTimer = 0;
    var inputTouched = false;

    /* ---- small helpers ------------------------------------------------ */

    function el(tag, className, text) {
        var e = document.createElement(tag);
        if (className)
            e.className = className;
        if (text !== undefined && text !== null)
            e.textContent = String(text);
        return e;
    }

    /* Writes only what changed; the last text is kept on the node so that
     * nothing is read back from the document. */
    function setText(node, text) {
        text = String(text);
        if (node.dndText !== text) {
            node.textContent = text;
            node.dndText = text;
        }
    }

    function setTitle(node, text) {
        if (node.dndTitle !== text) {
            node.setAttribute('title', text);
            node.dndTitle = text;
        }
    }

    function num(v) {
        return typeof v === 'number' && isFinite(v) ? v : 0;
    }

    function intText(v) {
        return String(Math.round(num(v)));
    }

    function meanText(v) {
        return typeof v === 'number' && isFinite(v) ? v.toFixed(2) : DASH;
    }

    function isObject(v) {
        return v !== null && typeof v === 'object' && !Array.isArray(v);
    }

    var segmenter = null;
    try {
        if (typeof Intl !== 'undefined' && Intl.Segmenter)
            segmenter = new Intl.Segmenter(undefined, {granularity: 'grapheme'});
    } catch (e) {
        segmenter = null;
    }

    /* Cuts on whole characters (emoji and accents stay whole). */
    function shorten(s, max) {
        var head, parts;
        s = String(s);
        if (s.length <= max)
            return s;
        /* Only the start of a very long name is looked at. */
        head = s.length > max * 8 ? s.slice(0, max * 8) : s;
        parts = segmenter ?
            Array.from(segmenter.segment(head), function (x) { return x.segment; }) :
            Array.from(head);
        if (head === s && parts.length <= max)
            return s;
        if (parts.length < max)
            return head.slice(0, max) + '\u2026';
        return parts.slice(0, max - 1).join('').replace(/\s+$/, '') + '\u2026';
    }

    /* A name element: shortened text, the whole name in its title. */
    function setName(node, name) {
        setText(node, shorten(name, NAME_MAX));
        setTitle(node, name);
    }

    function nameNode(tag, className) {
        var e = el(tag, className);
        e.setAttribute('dir', 'auto');
        return e;
    }

    function byCountThenName(a, b) {
        if (b[1] !== a[1])
            return b[1] - a[1];
        return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
    }

    function topCounts(obj, n) {
        var out = [];
        if (!isObject(obj))
            return out;
        Object.keys(obj).forEach(function (k) {
            var v = obj[k];
            if (typeof v === 'number' && isFinite(v))
                out.push([k, v]);
        });
        out.sort(byCountThenName);
        return out.slice(0, n);
    }

    function histogram(d20) {
        var h = isObject(d20) && Array.isArray(d20.histogram) ? d20.histogram : [];
        var out = new Array(20);
        for (var i = 0; i < 20; i++)
            out[i] = num(h[i]);
        return out;
    }

    function eventTotal(p) {
        var ev = isObject(p.events) ? p.events : {};
        var t = 0;
        for (var i = 0; i < EVENT_TYPES.length; i++)
            t += num(ev[EVENT_TYPES[i]]);
        return t;
    }

    function plural(n, one, many) {
        return n + ' ' + (n === 1 ? one : many);
    }

    var timeFormat = null;
    var dateTimeFormat = null;
    try {
        timeFormat = new Intl.DateTimeFormat(undefined,
            {hour: '2-digit', minute: '2-digit', second: '2-digit'});
        dateTimeFormat = new Intl.DateTimeFormat(undefined,
            {month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit'});
    } catch (e) {
        timeFormat = dateTimeFormat = null;
    }

    /* Time of day for today's events, date and time for older ones. */
    function whenText(ms, raw) {
        var d, now;
        if (!isFinite(ms))
            return shorten(raw || '', 20);
        d = new Date(ms);
        now = new Date();
        if (!timeFormat)
            return d.toISOString();
        if (d.toDateString() === now.toDateString())
            return timeFormat.format(d);
        return dateTimeFormat.format(d);
    }

    /* ---- building the page -------------------------------------------- */

    function stat(label, field, className) {
        var box = el('div', 'stat' + (className ? ' ' + className : ''));
        var value = el('span', 'value', '0');
        value.setAttribute('data-field', field);
        box.appendChild(value);
        box.appendChild(el('span', 'label', label));
        return {box: box, value: value};
    }

    function buildHeader() {
        var header = el('header', 'top');
        var brand = el('div', 'brand');
        var counters = el('div', 'counters');
        var form = el('form', 'chooser');
        var label = el('label', null, 'Players');
        var input = el('input');
        var button = el('button', null, 'Apply');

        brand.appendChild(el('h1', null, 'dndtrack'));
        dom.status = el('span', 'status', 'connecting');
        dom.status.id = 'status';
        dom.status.setAttribute('data-state', 'connecting');
        brand.appendChild(dom.status);
        header.appendChild(brand);

        function counter(id, text) {
            var box = el('div', 'counter');
            var value = el('span', 'value', DASH);
            value.id = id;
            box.appendChild(value);
            box.appendChild(el('span', 'label', text));
            counters.appendChild(box);
            return value;
        }
        dom.messages = counter('messages', 'messages');
        dom.invalid = counter('invalid', 'invalid');
        dom.lag = counter('lag', 'lag');
        dom.playerCount = counter('player-count', 'players');
        header.appendChild(counters);

        input.id = 'players-input';
        input.type = 'text';
        input.name = 'players';
        input.autocomplete = 'off';
        input.spellcheck = false;
        input.placeholder = 'all, or Stravos, Wurs';
        input.setAttribute('dir', 'auto');
        label.setAttribute('for', 'players-input');
        button.type = 'submit';
        form.appendChild(label);
        form.appendChild(input);
        form.appendChild(button);
        form.addEventListener('submit', function (e) {
            e.preventDefault();
            applyPlayers(input.value);
        });
        input.addEventListener('input', function () { inputTouched = true; });
        dom.input = input;
        if (params.get('players') !== null) {
            input.value = params.get('players');
            inputTouched = true;
        }
        header.appendChild(form);
        return header;
    }

    function buildParty() {
        var party = el('section', 'party card');
        var highlights = el('div', 'highlights');
        var wrap = el('div', 'table-wrap');
        var table = el('table', 'roster');
        var thead = el('thead');
        var row = el('tr');

        party.id = 'party';
        party.appendChild(el('h2', null, 'Party'));

        function highlight(field, label) {
            var box = el('div', 'highlight');
            var body = el('div', 'body');
            var who = nameNode('span', 'who');
            var detail = el('span', 'detail');
            box.setAttribute('data-kind', field);
            box.appendChild(el('span', 'label', label));
            body.setAttribute('data-field', field);
            who.textContent = DASH;
            body.appendChild(who);
            body.appendChild(document.createTextNode(' '));
            body.appendChild(detail);
            box.appendChild(body);
            highlights.appendChild(box);
            return {body: body, who: who, detail: detail};
        }
        dom.topCaster = highlight('top-caster', 'Most spells');
        dom.topRoller = highlight('top-roller', 'Highest d20 mean');
        dom.hot = highlight('hot', 'Dice running hot');
        dom.cold = highlight('cold', 'Dice running cold');
        party.appendChild(highlights);

        ['player', 'events', 'd20', 'mean', 'nat20', 'nat1', 'dmg']
            .forEach(function (h, i) {
                var th = el('th', i ? 'n' : null, h);
                th.scope = 'col';
                row.appendChild(th);
            });
        thead.appendChild(row);
        table.appendChild(thead);
        dom.rosterBody = el('tbody');
        table.appendChild(dom.rosterBody);
        wrap.appendChild(table);
        party.appendChild(wrap);
        dom.rosterMore = el('p', 'more');
        dom.rosterMore.hidden = true;
        party.appendChild(dom.rosterMore);
        dom.rosterRows = [];
        return party;
    }

    function buildFeed() {
        var feed = el('section', 'feed card');
        feed.id = 'feed';
        feed.appendChild(el('h2', null, 'Recent events'));
        dom.feedList = el('ol', 'feed-list');
        feed.appendChild(dom.feedList);
        dom.feedEmpty = el('p', 'none', 'No events yet.');
        feed.appendChild(dom.feedEmpty);
        dom.feedItems = [];
        return feed;
    }

    function build(root) {
        var layout = el('div', 'layout');
        var side = el('aside', 'side');
        var main = el('main', 'main');

        while (root.firstChild)
            root.removeChild(root.firstChild);
        root.appendChild(buildHeader());
        dom.note = el('p', 'note');
        dom.note.hidden = true;
        root.appendChild(dom.note);

        dom.panels = el('section', 'panels');
        dom.panels.id = 'panels';
        dom.panelsEmpty = el('p', 'none panels-empty', 'No players to show yet.');
        dom.panelsEmpty.hidden = true;
        main.appendChild(dom.panels);
        main.appendChild(dom.panelsEmpty);
        layout.appendChild(main);

        side.appendChild(buildParty());
        side.appendChild(buildFeed());
        layout.appendChild(side);
        root.appendChild(layout);
    }

    /* ---- panels -------------------------------------------------------- */

    function createPanel(name) {
        var p = {name: name, key: null, fields: {}, charts: null, sig: null, drawnSig: null,
                 visible: !observer, hist: null, events: null};
        var article = el('article', 'panel card');
        var head = el('header', 'panel-head');
        var title = nameNode('h2', 'name');
        var figures = el('div', 'head-figures');
        var events = el('div', 'stats events');
        var d20 = el('div', 'stats d20');
        var lists = el('div', 'lists');
        var body = el('div', 'panel-body');

        function figure(label, field) {
            var box = el('span', 'figure');
            var value = el('span', 'value', '0');
            if (field)
                value.setAttribute('data-field', field);
            box.appendChild(value);
            box.appendChild(el('span', 'label', label));
            figures.appendChild(box);
            return value;
        }

        article.setAttribute('data-player', name);
        setName(title, name);
        head.appendChild(title);
        p.total = figure('events', null);
        p.fields.damage_total = figure('damage', 'damage_total');
        head.appendChild(figures);
        article.appendChild(head);

        p.emptyNote = el('p', 'empty-note', 'no events yet');
        article.appendChild(p.emptyNote);

        EVENT_TYPES.forEach(function (t) {
            var s = stat(EVENT_LABELS[t], 'events.' + t, 'type');
            s.box.setAttribute('data-type', t);
            events.appendChild(s.box);
            p.fields['events.' + t] = s.value;
        });
        body.appendChild(events);
        p.eventsCanvas = chartBox(body, 'events', 'Events by type');

        [['d20 rolls', 'd20.rolls', null], ['mean', 'd20.mean', 'mean'],
         ['nat 20', 'd20.nat20', 'nat20'], ['nat 1', 'd20.nat1', 'nat1']].forEach(function (d) {
            var s = stat(d[0], d[1], d[2]);
            d20.appendChild(s.box);
            p.fields[d[1]] = s.value;
        });
        body.appendChild(d20);
        p.d20Canvas = chartBox(body, 'd20', 'd20 faces against a fair die');

        p.spells = topList(lists, 'spells', 'Top spells', 'no spells yet');
        p.encounters = topList(lists, 'encounters', 'Encounters',
                               'no encounters yet');
        body.appendChild(lists);
        article.appendChild(body);

        p.el = article;
        panelOfElement.set(article, p);
        if (observer)
            observer.observe(article);
        return p;
    }

    function chartBox(parent, kind, label) {
        var box = el('div', 'chart chart-' + kind);
        var canvas = el('canvas');
        canvas.setAttribute('data-chart', kind);
        canvas.setAttribute('role', 'img');
        canvas.setAttribute('aria-label', label);
        box.appendChild(canvas);
        parent.appendChild(box);
        return canvas;
    }

    function topList(parent, className, heading, noneText) {
        var box = el('div', 'toplist');
        var list = el('ol', className);
        var none = el('p', 'none', noneText);
        box.appendChild(el('h3', null, heading));
        box.appendChild(list);
        box.appendChild(none);
        parent.appendChild(box);
        return {list: list, none: none};
    }

    function updateTopList(t, entries) {
        var list = t.list;
        var li, i;
        while (list.children.length > entries.length)
            list.removeChild(list.lastChild);
        while (list.children.length < entries.length) {
            li = el('li');
            li.appendChild(nameNode('span', 'k'));
            li.appendChild(el('span', 'v'));
            list.appendChild(li);
        }
        for (i = 0; i < entries.length; i++) {
            li = list.children[i];
            setName(li.firstChild, entries[i][0]);
            setText(li.lastChild, intText(entries[i][1]));
        }
        t.none.hidden = entries.length > 0;
    }

    /* Every event moves one of these, so an unchanged key means an
     * unchanged player and the panel is left alone. */
    function playerKey(d) {
        var ev = isObject(d.events) ? d.events : {};
        var d20 = isObject(d.d20) ? d.d20 : {};
        return [num(ev.dice_roll), num(ev.encounter), num(ev.spell_cast),
                num(ev.other), num(d20.rolls), num(d20.nat20), num(d20.nat1),
                String(d20.mean), num(d.damage_total)].join(',');
    }

    function updatePanel(p, data) {
        var key = data ? playerKey(data) : '';
        var d, ev, d20, counts, hist, total;
        if (key === p.key)
            return;
        p.key = key;
        d = data || {};
        ev = isObject(d.events) ? d.events : {};
        d20 = isObject(d.d20) ? d.d20 : {};
        counts = EVENT_TYPES.map(function (t) { return num(ev[t]); });
        hist = histogram(d20);
        total = data ? eventTotal(d) : 0;

        p.el.classList.toggle('empty', !data);
        setText(p.total, intText(total));
        setText(p.total.nextSibling, total === 1 ? 'event' : 'events');
        EVENT_TYPES.forEach(function (t, i) {
            setText(p.fields['events.' + t], intText(counts[i]));
        });
        setText(p.fields['d20.rolls'], intText(d20.rolls));
        setText(p.fields['d20.mean'], meanText(d20.mean));
        setText(p.fields['d20.nat20'], intText(d20.nat20));
        setText(p.fields['d20.nat1'], intText(d20.nat1));
        setText(p.fields.damage_total, intText(d.damage_total));
        p.fields['d20.mean'].parentNode.classList.toggle('hot',
            typeof d20.mean === 'number' && num(d20.rolls) >= MIN_ROLLS &&
            d20.mean > FAIR_MEAN);
        p.fields['d20.mean'].parentNode.classList.toggle('cold',
            typeof d20.mean === 'number' && num(d20.rolls) >= MIN_ROLLS &&
            d20.mean < FAIR_MEAN);
        updateTopList(p.spells, topCounts(d.spells, TOP_N));
        updateTopList(p.encounters, topCounts(d.encounters, TOP_N));

        p.events = counts;
        p.hist = hist;
        p.rolls = num(d20.rolls);
        p.sig = counts.join(',') + '|' + hist.join(',');
        if (p.visible && data)
            drawCharts(p);
    }

    function destroyPanel(p) {
        if (observer)
            observer.unobserve(p.el);
        if (p.charts) {
            p.charts.events.destroy();
            p.charts.d20.destroy();
            p.charts = null;
        }
        if (p.el.parentNode)
            p.el.parentNode.removeChild(p.el);
        panelOfElement.delete(p.el);
    }

    function onIntersect(entries) {
        entries.forEach(function (entry) {
            var p = panelOfElement.get(entry.target);
            if (!p)
                return;
            p.visible = entry.isIntersecting;
            if (p.visible && p.sig !== null && !p.el.classList.contains('empty'))
                drawCharts(p);
        });
    }

    /* ---- charts -------------------------------------------------------- */

    function baseOptions() {
        return {
            animation: false,
            responsive: true,
            maintainAspectRatio: false,
            normalized: true,
            layout: {padding: {top: 4}},
            plugins: {legend: {display: false}},
            scales: {
                x: {grid: {display: false},
                    ticks: {autoSkip: false, maxRotation: 0}},
                y: {beginAtZero: true, grace: '5%',
                    ticks: {precision: 0, maxTicksLimit: 4}}
            }
        };
    }

    function makeEventsChart(canvas) {
        var options = baseOptions();
        options.indexAxis = 'y';
        options.scales = {
            x: {beginAtZero: true, grace: '5%',
                ticks: {precision: 0, maxTicksLimit: 5}},
            y: {grid: {display: false}}
        };
        return new ChartLib(canvas, {
            type: 'bar',
            data: {
                labels: EVENT_TYPES.map(function (t) { return EVENT_LABELS[t]; }),
                datasets: [{
                    label: 'events',
                    data: [0, 0, 0, 0],
                    backgroundColor: EVENT_TYPES.map(function (t) { return COLORS[t]; }),
                    borderRadius: 3,
                    barPercentage: 0.8,
                    categoryPercentage: 0.9
                }]
            },
            options: options
        });
    }

    function makeD20Chart(canvas) {
        var labels = [];
        var colors = [];
        var options = baseOptions();
        for (var i = 1; i <= 20; i++) {
            labels.push(String(i));
            colors.push(i === 1 ? COLORS.nat1 : i === 20 ? COLORS.nat20 : COLORS.face);
        }
        options.scales.x.ticks.font = {size: 10};
        options.plugins.legend = {
            display: true,
            position: 'top',
            align: 'end',
            labels: {
                usePointStyle: true, boxWidth: 14, boxHeight: 8, padding: 10,
                font: {size: 11},
                /* the bars' colour, not that of face 1 */
                generateLabels: function (chart) {
                    var items = ChartLib.defaults.plugins.legend.labels.generateLabels(chart);
                    items.forEach(function (it) {
                        if (it.datasetIndex === 0)
                            it.fillStyle = it.strokeStyle = COLORS.face;
                    });
                    return items;
                }
            }
        };
        options.plugins.tooltip = {
            callbacks: {
                title: function (items) {
                    return items.length ? 'face ' + items[0].label : '';
                },
                label: function (item) {
                    var v = item.parsed.y;
                    return item.dataset.label + ': ' +
                        (item.datasetIndex === 1 ? v.toFixed(1) : v);
                }
            }
        };
        return new ChartLib(canvas, {
            type: 'bar',
            data: {
                labels: labels,
                datasets: [{
                    type: 'bar',
                    label: 'rolls',
                    data: new Array(20).fill(0),
                    backgroundColor: colors,
                    borderRadius: 2,
                    barPercentage: 0.85,
                    categoryPercentage: 0.9,
                    pointStyle: 'rect',
                    order: 2
                }, {
                    type: 'line',
                    label: 'fair die',
                    data: new Array(20).fill(0),
                    borderColor: COLORS.fair,
                    backgroundColor: COLORS.fair,
                    borderWidth: 1.5,
                    borderDash: [5, 4],
                    pointRadius: 0,
                    pointHitRadius: 6,
                    pointStyle: 'line',
                    tension: 0,
                    order: 1
                }]
            },
            options: options
        });
    }

    function drawCharts(p) {
        var fair, i;
        if (!ChartLib || p.drawnSig === p.sig || !p.hist)
            return;
        if (!p.charts) {
            try {
                p.charts = {events: makeEventsChart(p.eventsCanvas),
                            d20: makeD20Chart(p.d20Canvas)};
            } catch (e) {
                chartsUnavailable('Charts could not be drawn (' + e.message +
                                  '); the figures are shown as numbers.');
                return;
            }
        }
        p.charts.events.data.datasets[0].data = p.events.slice();
        p.charts.events.update('none');
        fair = new Array(20);
        for (i = 0; i < 20; i++)
            fair[i] = p.rolls / 20;
        p.charts.d20.data.datasets[0].data = p.hist.slice();
        p.charts.d20.data.datasets[1].data = fair;
        p.charts.d20.update('none');
        p.drawnSig = p.sig;
    }

    function chartsUnavailable(text) {
        ChartLib = null;
        document.body.classList.add('no-charts');
        dom.note.textContent = text;
        dom.note.hidden = false;
    }

    function setupCharts() {
        var C = window.Chart;
        if (typeof C !== 'function') {
            chartsUnavailable('Charts are unavailable (chart.js did not load); ' +
                              'the figures are shown as numbers.');
            return;
        }
        ChartLib = C;
        try {
            C.defaults.color = COLORS.text;
            C.defaults.borderColor = COLORS.grid;
            C.defaults.font.family =
                'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif';
            C.defaults.font.size = 11;
        } catch (e) {
            /* older or newer defaults layout: keep Chart.js's own */
        }
    }

    /* ---- which players are shown -------------------------------------- */

    function parseList(raw) {
        var seen = Object.create(null);
        var out = [];
        raw = String(raw).trim();
        if (raw.toLowerCase() === 'all')
            return null;
        raw.split(',').forEach(function (s) {
            s = s.trim();
            if (s && !seen[s]) {
                seen[s] = true;
                out.push(s);
            }
        });
        return out;
    }

    /* The names asked for: from the URL, else the tracked list; null = all. */
    function wanted(doc) {
        var raw = params.get('players');
        if (raw !== null && raw.trim() !== '')
            return parseList(raw);
        /* The server lists ["all"] for TRACKED_PLAYERS=all. */
        if (Array.isArray(doc.tracked) && doc.tracked.length === 1 &&
            doc.tracked[0] === 'all')
            return null;
        if (Array.isArray(doc.tracked) && doc.tracked.length > 0)
            return doc.tracked.filter(function (s) {
                return typeof s === 'string' && s !== '';
            });
        return null;
    }

    function norm(s) {
        return s.normalize ? s.normalize('NFC') : s;
    }

    /* [{name, data}] in the order to show; data is null for unseen players.
     * A typed name matches exactly, else ignoring case. */
    function shownPlayers(doc, players) {
        var list = wanted(doc);
        var exact = new Map();
        var loose = new Map();
        var seen = new Set();
        var out = [];
        if (list === null)
            return players.map(function (p) { return {name: p.player, data: p}; });
        players.forEach(function (p) {
            var k = norm(p.player);
            exact.set(k, p);
            if (!loose.has(k.toLowerCase()))
                loose.set(k.toLowerCase(), p);
        });
        list.forEach(function (name) {
            var k = norm(name);
            var p = exact.get(k) || loose.get(k.toLowerCase()) || null;
            var shown = p ? p.player : name;
            if (seen.has(shown))
                return;
            seen.add(shown);
            out.push({name: shown, data: p});
        });
        return out;
    }

    function applyPlayers(value) {
        var list = parseList(value);
        var text;
        if (list === null)
            text = 'all';
        else
            text = list.join(',');
        if (text === '')
            params.delete('players');
        else
            params.set('players', text);
        dom.input.value = list === null ? 'all' : list.join(', ');
        inputTouched = true;
        try {
            var qs = params.toString().replace(/%2C/gi, ',');
            window.history.replaceState(window.history.state, '',
                window.location.pathname + (qs ? '?' + qs : '') +
                window.location.hash);
        } catch (e) {
            /* a page opened from a file may refuse; the view changes anyway */
        }
        if (latest)
            draw();
    }

    /* ---- party view ---------------------------------------------------- */

    function setHighlight(h, name, detail) {
        if (name === null) {
            setText(h.who, DASH);
            h.who.removeAttribute('title');
            h.who.dndTitle = undefined;
            h.body.removeAttribute('data-player');
        } else {
            setName(h.who, name);
            if (h.body.getAttribute('data-player') !== name)
                h.body.setAttribute('data-player', name);
        }
        setText(h.detail, detail);
    }

    function rollDetail(c) {
        return 'mean ' + c.mean.toFixed(2) + ' over ' + plural(c.rolls, 'roll', 'rolls');
    }

    function renderParty(players) {
        var caster = null;
        var roller = null;
        var hot = null;
        var cold = null;
        players.forEach(function (p) {
            var spells = num(isObject(p.events) ? p.events.spell_cast : 0);
            var d20 = isObject(p.d20) ? p.d20 : {};
            var rolls = num(d20.rolls);
            var mean = d20.mean;
            var c;
            if (spells > 0 && (!caster || spells > caster.spells))
                caster = {name: p.player, spells: spells};
            if (rolls < MIN_ROLLS || typeof mean !== 'number' || !isFinite(mean))
                return;
            c = {name: p.player, mean: mean, rolls: rolls};
            if (!roller || mean > roller.mean ||
                (mean === roller.mean && rolls > roller.rolls))
                roller = c;
            if (mean > FAIR_MEAN && (!hot || mean > hot.mean ||
                                     (mean === hot.mean && rolls > hot.rolls)))
                hot = c;
            if (mean < FAIR_MEAN && (!cold || mean < cold.mean ||
                                     (mean === cold.mean && rolls > cold.rolls)))
                cold = c;
        });
        var need = 'needs ' + MIN_ROLLS + ' d20 rolls';
        setHighlight(dom.topCaster, caster ? caster.name : null,
                     caster ? plural(caster.spells, 'spell', 'spells') : 'no spells yet');
        setHighlight(dom.topRoller, roller ? roller.name : null,
                     roller ? rollDetail(roller) : need);
        setHighlight(dom.hot, hot ? hot.name : null,
                     hot ? rollDetail(hot) : roller ? 'nobody above 10.5' : need);
        setHighlight(dom.cold, cold ? cold.name : null,
                     cold ? rollDetail(cold) : roller ? 'nobody below 10.5' : need);
        renderRoster(players);
    }

    function rosterRow() {
        var tr = el('tr');
        var cells = [nameNode('td', 'who')];
        for (var i = 0; i < 6; i++)
            cells.push(el('td', 'n'));
        cells.forEach(function (c) { tr.appendChild(c); });
        return {tr: tr, cells: cells};
    }

    function renderRoster(players) {
        var ranked = players.map(function (p) { return [p, eventTotal(p)]; });
        var rows = dom.rosterRows;
        var body = dom.rosterBody;
        var n, i, r, p, d20, extra;
        ranked.sort(function (a, b) {
            if (b[1] !== a[1])
                return b[1] - a[1];
            return a[0].player < b[0].player ? -1 : a[0].player > b[0].player ? 1 : 0;
        });
        n = Math.min(ranked.length, TABLE_MAX);
        while (rows.length < n) {
            r = rosterRow();
            rows.push(r);
            body.appendChild(r.tr);
        }
        while (rows.length > n)
            body.removeChild(rows.pop().tr);
        for (i = 0; i < n; i++) {
            p = ranked[i][0];
            r = rows[i];
            d20 = isObject(p.d20) ? p.d20 : {};
            if (r.tr.getAttribute('data-player') !== p.player)
                r.tr.setAttribute('data-player', p.player);
            setName(r.cells[0], p.player);
            setText(r.cells[1], intText(ranked[i][1]));
            setText(r.cells[2], intText(d20.rolls));
            setText(r.cells[3], meanText(d20.mean));
            setText(r.cells[4], intText(d20.nat20));
            setText(r.cells[5], intText(d20.nat1));
            setText(r.cells[6], intText(p.damage_total));
        }
        extra = ranked.length - n;
        dom.rosterMore.hidden = extra <= 0;
        if (extra > 0)
            setText(dom.rosterMore, 'and ' + plural(extra, 'more player', 'more players') +
                    ' (the ' + TABLE_MAX + ' most active are listed)');
    }

    /* ---- feed ------------------------------------------------------------ */

    function feedItem() {
        var li = el('li');
        var parts = {
            li: li,
            time: el('time', 'when'),
            type: el('span', 'kind'),
            who: nameNode('span', 'who'),
            text: nameNode('span', 'text')
        };
        li.appendChild(parts.time);
        li.appendChild(parts.type);
        li.appendChild(parts.who);
        li.appendChild(parts.text);
        return parts;
    }

    function renderFeed(shown) {
        var items = [];
        var pool = dom.feedItems;
        var list = dom.feedList;
        var i, n, it, f, r, type;
        shown.forEach(function (s) {
            var recent = s.data && Array.isArray(s.data.recent) ? s.data.recent : [];
            recent.forEach(function (r, idx) {
                var t;
                if (!isObject(r))
                    return;
                t = typeof r.timestamp === 'string' ? Date.parse(r.timestamp) : NaN;
                items.push({r: r, player: s.name, idx: idx, t: isFinite(t) ? t : -Infinity});
            });
        });
        /* Newest first; each player's list is already newest first. */
        items.sort(function (a, b) {
            var d = b.t - a.t;
            if (d > 0 || d < 0)
                return d;
            return a.idx - b.idx;
        });
        n = Math.min(items.length, FEED_MAX);
        while (pool.length < n) {
            f = feedItem();
            pool.push(f);
            list.appendChild(f.li);
        }
        while (pool.length > n)
            list.removeChild(pool.pop().li);
        for (i = 0; i < n; i++) {
            it = items[i];
            r = it.r;
            f = pool[i];
            type = typeof r.type === 'string' ? r.type : 'other';
            if (f.li.getAttribute('data-type') !== type)
                f.li.setAttribute('data-type', type);
            setText(f.time, whenText(it.t, typeof r.timestamp === 'string' ? r.timestamp : ''));
            setTitle(f.time, typeof r.timestamp === 'string' ? r.timestamp : '');
            setText(f.type, Object.prototype.hasOwnProperty.call(FEED_LABELS, type) ?
                FEED_LABELS[type] : shorten(type, 12));
            setName(f.who, it.player);
            setText(f.text, typeof r.text === 'string' ? r.text : '');
        }
        dom.feedEmpty.hidden = n > 0;
    }

    /* ---- status and redraws -------------------------------------------- */

    function setStatus(state, text, title) {
        if (dom.status.getAttribute('data-state') !== state)
            dom.status.setAttribute('data-state', state);
        setText(dom.status, text);
        if (title)
            setTitle(dom.status, title);
    }

    function reportTime(doc) {
        var raw = isObject(doc.status) && typeof doc.status.time === 'string' ?
            doc.status.time : '';
        var ms = Date.parse(raw);
        if (!isFinite(ms))
            return raw || 'unknown time';
        try {
            return new Date(ms).toLocaleString();
        } catch (e) {
            return raw;
        }
    }

    function statusFromDoc(doc) {
        var st = isObject(doc.status) ? doc.status : {};
        if (mode === 'report') {
            setStatus('report', 'report of ' + reportTime(doc),
                      typeof st.time === 'string' ? st.time : '');
        } else if (st.broker === 'unreachable') {
            setStatus('broker-unreachable', 'broker unreachable',
                      'The consumer cannot reach Kafka; figures are as of the last message.');
        } else {
            setStatus('live', 'live', 'Figures update as messages arrive.');
        }
    }

    function render(doc) {
        var players = Array.isArray(doc.players) ? doc.players.filter(function (p) {
            return isObject(p) && typeof p.player === 'string';
        }) : [];
        var st = isObject(doc.status) ? doc.status : {};
        var shown = shownPlayers(doc, players);
        var keep = new Set();
        var cursor = dom.panels.firstChild;
        var body = document.body.classList;

        setText(dom.messages, intText(doc.messages));
        setText(dom.invalid, intText(doc.invalid));
        setText(dom.lag, typeof st.lag === 'number' && isFinite(st.lag) ? intText(st.lag) : DASH);
        setText(dom.playerCount, String(players.length));
        dom.invalid.parentNode.classList.toggle('warn', num(doc.invalid) > 0);
        if (!inputTouched && document.activeElement !== dom.input) {
            var w = wanted(doc);
            dom.input.value = w === null ? 'all' : w.join(', ');
        }

        if (!body.contains('compact-party')) {
            shown.forEach(function (s) {
                var p = panels.get(s.name);
                if (!p) {
                    p = createPanel(s.name);
                    panels.set(s.name, p);
                }
                keep.add(s.name);
                if (p.el !== cursor)
                    dom.panels.insertBefore(p.el, cursor);
                else
                    cursor = cursor.nextSibling;
                updatePanel(p, s.data);
            });
            panels.forEach(function (p, name) {
                if (!keep.has(name)) {
                    destroyPanel(p);
                    panels.delete(name);
                }
            });
            dom.panelsEmpty.hidden = shown.length > 0;
        }
        if (!body.contains('compact') || body.contains('compact-party'))
            renderParty(players);
        if (!body.contains('compact'))
            renderFeed(shown);
    }

    function draw() {
        if (!latest)
            return;
        drawnDoc = latest;
        render(latest);
        lastDrawAt = window.performance.now();
        window.dndtrackRedraws += 1;
    }

    function schedule() {
        var wait;
        if (gateTimer || frameId)
            return;
        wait = Math.max(0, lastDrawAt + FRAME_GAP_MS - window.performance.now());
        gateTimer = window.setTimeout(function () {
            gateTimer = 0;
            frameId = window.requestAnimationFrame(function () {
                frameId = 0;
                if (latest !== drawnDoc)
                    draw();
            });
        }, wait);
    }

    function accept(doc) {
        if (!isObject(doc))
            return;
        latest = doc;
        statusFromDoc(doc);
        if (drawnDoc === null)
            draw();
        else
            schedule();
    }

    /* ---- data sources -------------------------------------------------- */

    function connect() {
        retryTimer = 0;
        if (typeof window.EventSource !== 'function') {
            setStatus('reconnecting', 'no live updates in this browser');
            return;
        }
        source = new window.EventSource('api/stream');
        source.addEventListener('snapshot', function (ev) {
            var doc;
            try {
                doc = JSON.parse(ev.data);
            } catch (e) {
                return;
            }
            accept(doc);
        });
        source.addEventListener('error', function () {
            setStatus('reconnecting', 'reconnecting',
                      'The connection to the dashboard server was lost; retrying.');
            /* The browser retries by itself unless the answer was not a stream. */
            if (source && source.readyState === window.EventSource.CLOSED) {
                source.close();
                source = null;
                if (!retryTimer)
                    retryTimer = window.setTimeout(connect, RETRY_MS);
            }
        });
    }

    function readEmbedded(node) {
        var doc;
        mode = 'report';
        try {
            doc = JSON.parse(node.textContent);
        } catch (e) {
            setStatus('report', 'report data unreadable');
            return;
        }
        accept(doc);
    }

    function start() {
        var root = document.getElementById('app');
        var embedded = document.querySelector('script#dndtrack-data[type="application/json"]');
        var compact = params.get('compact');

        if (!root) {
            root = el('div');
            root.id = 'app';
            document.body.appendChild(root);
        }
        if (compact !== null && compact !== '' && compact !== '0') {
            /* the root too, so that nothing paints behind an overlay */
            document.documentElement.classList.add('compact');
            document.body.classList.add('compact');
            if (compact === 'party')
                document.body.classList.add('compact-party');
        }

        if ('IntersectionObserver' in window)
            observer = new window.IntersectionObserver(onIntersect, {rootMargin: '600px 0px'});
        build(root);
        setupCharts();

        if (embedded)
            readEmbedded(embedded);
        else
            connect();
    }

    if (document.readyState === 'loading')
        document.addEventListener('DOMContentLoaded', start);
    else
        start();
})();
