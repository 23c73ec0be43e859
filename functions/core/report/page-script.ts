/**
 * The report page's own script, inlined after uPlot: draws the timeline from
 * the page's JSON island (restart bands under the series, one marker per
 * anomaly on top, a tooltip with the record under the pointer), switches the
 * per-partition series, and sorts any `table.sortable` by the column clicked.
 * Plain ES2017 for any current browser; it reads only the page, fetches
 * nothing. After drawing it sets data-drawn, data-drawn-bands and
 * data-drawn-markers on #timeline (what the browser tests check).
 */
export const PAGE_SCRIPT = String.raw`(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('kuv-data').textContent);
  var tl = data.timeline;
  var KINDS = tl.kinds;
  var COLORS = data.kindColors;

  function clock(ms) {
    return new Date(ms).toISOString().slice(11, 23);
  }

  // Sortable tables: click (or Enter on) a header; numbers sort as numbers.
  function sortBy(table, th, col) {
    var ascending = th.getAttribute('aria-sort') !== 'ascending';
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (c) {
      c.removeAttribute('aria-sort');
    });
    th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    function key(row) {
      var cell = row.cells[col];
      var v = cell.hasAttribute('data-v') ? cell.getAttribute('data-v') : cell.textContent;
      var n = Number(v);
      return v !== '' && isFinite(n) ? n : v;
    }
    rows.sort(function (a, b) {
      var x = key(a), y = key(b);
      var order = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
      return ascending ? order : -order;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }
  Array.prototype.forEach.call(document.querySelectorAll('table.sortable'), function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, col) {
      th.tabIndex = 0;
      th.title = 'sort by this column';
      th.addEventListener('click', function () { sortBy(table, th, col); });
      th.addEventListener('keydown', function (e) { if (e.key === 'Enter') sortBy(table, th, col); });
    });
  });

  var section = document.getElementById('timeline');
  if (typeof uPlot === 'undefined' || tl.t.length === 0) {
    section.setAttribute('data-drawn', '0');
    return;
  }
  var tooltip = document.getElementById('tooltip');
  var LANE = 9;
  var markers = [];
  var bandsDrawn = 0;

  function bandsPlugin() {
    return {
      hooks: {
        drawClear: [function (u) {
          var ctx = u.ctx, top = u.bbox.top, height = u.bbox.height;
          var left = u.bbox.left, right = u.bbox.left + u.bbox.width;
          var n = 0;
          ctx.save();
          tl.restarts.forEach(function (r) {
            var start = r.downAt !== null ? r.downAt : r.upAt;
            if (start === null) return;
            var x0 = Math.max(left, u.valToPos(start / 1000, 'x', true));
            var xUp = r.upAt === null ? right : Math.min(right, u.valToPos(r.upAt / 1000, 'x', true));
            var xEnd = r.windowEnd === null ? right : Math.min(right, u.valToPos(r.windowEnd / 1000, 'x', true));
            ctx.fillStyle = 'rgba(214, 69, 65, 0.22)';
            ctx.fillRect(x0, top, Math.max(xUp - x0, 2), height);
            ctx.fillStyle = 'rgba(240, 160, 40, 0.12)';
            if (xEnd > xUp) ctx.fillRect(xUp, top, xEnd - xUp, height);
            ctx.fillStyle = '#8a2b28';
            ctx.font = 11 * devicePixelRatio + 'px sans-serif';
            ctx.fillText('broker ' + r.broker, x0 + 3 * devicePixelRatio, top + 12 * devicePixelRatio);
            n += 1;
          });
          ctx.restore();
          bandsDrawn = n;
        }],
      },
    };
  }

  function markersPlugin() {
    return {
      hooks: {
        draw: [function (u) {
          var ctx = u.ctx, a = tl.anomalies, dpr = devicePixelRatio;
          var left = u.bbox.left, right = u.bbox.left + u.bbox.width;
          markers = [];
          ctx.save();
          for (var i = 0; i < a.at.length; i++) {
            var x = u.valToPos(a.at[i] / 1000, 'x', true);
            if (x < left - 1 || x > right + 1) continue;
            // Above the plot, one lane per kind, so markers never hide the lines.
            var y = u.bbox.top - (KINDS.length - a.kind[i]) * LANE * dpr;
            ctx.fillStyle = COLORS[KINDS[a.kind[i]]];
            ctx.beginPath();
            ctx.moveTo(x, y + 4 * dpr);
            ctx.lineTo(x - 4 * dpr, y - 4 * dpr);
            ctx.lineTo(x + 4 * dpr, y - 4 * dpr);
            ctx.closePath();
            ctx.fill();
            // Where the pointer finds it: CSS pixels in the plot area (u.over), as mouse events give.
            markers.push({ x: (x - left) / dpr, y: (y - u.bbox.top) / dpr, i: i });
          }
          ctx.restore();
          section.setAttribute('data-drawn-markers', String(markers.length));
          section.setAttribute('data-drawn-bands', String(bandsDrawn));
          section.setAttribute('data-drawn', '1');
        }],
      },
    };
  }

  function describe(i) {
    var a = tl.anomalies;
    var rows = [
      ['kind', KINDS[a.kind[i]]],
      ['time', clock(a.at[i]) + ' UTC'],
      ['partition', a.partition[i]],
      ['producer', a.producer[i]],
      ['seq', a.seq[i]],
      ['offset', a.offset[i]],
      ['group', a.group[i]],
      ['after restart', a.broker[i] === null ? 'outside every restart window'
        : 'broker ' + a.broker[i] + (a.afterMs[i] === null ? ' (never came back)'
        : ', ' + (a.afterMs[i] >= 0 ? '+' : '') + a.afterMs[i] + ' ms after it came up')],
    ];
    return rows.filter(function (r) { return r[1] !== null && r[1] !== undefined; });
  }

  function restartAt(ms) {
    for (var k = 0; k < tl.restarts.length; k++) {
      var r = tl.restarts[k];
      var start = r.downAt !== null ? r.downAt : r.upAt;
      var end = r.windowEnd === null ? Infinity : r.windowEnd;
      if (start !== null && ms >= start && ms <= end) return r;
    }
    return null;
  }

  function showTooltip(u, left, top) {
    var best = null, bestD = 7;
    markers.forEach(function (m) {
      var d = Math.max(Math.abs(m.x - left), Math.abs(m.y - top));
      if (d < bestD) { bestD = d; best = m; }
    });
    var rows = null;
    if (best !== null) rows = describe(best.i);
    else {
      var r = restartAt(u.posToVal(left, 'x') * 1000);
      if (r !== null) rows = [['restart of broker', r.broker],
        ['down', r.downAt === null ? 'unknown' : clock(r.downAt) + ' UTC'],
        ['up', r.upAt === null ? 'never came back' : clock(r.upAt) + ' UTC'],
        ['window ends', r.windowEnd === null ? 'open' : clock(r.windowEnd) + ' UTC']];
    }
    if (rows === null) { tooltip.hidden = true; return; }
    tooltip.textContent = '';
    rows.forEach(function (row) {
      var line = document.createElement('div');
      var b = document.createElement('b');
      b.textContent = row[0] + ' ';
      line.appendChild(b);
      line.appendChild(document.createTextNode(String(row[1])));
      tooltip.appendChild(line);
    });
    var box = u.over.getBoundingClientRect();
    tooltip.style.left = (box.left + window.scrollX + left + 12) + 'px';
    tooltip.style.top = (box.top + window.scrollY + top + 12) + 'px';
    tooltip.hidden = false;
  }

  var x = tl.t;
  var selected = null;
  function partitionSeries(name) {
    var p = selected === null ? null : tl.partitions[selected];
    return p === null ? x.map(function () { return null; }) : p[name];
  }
  var width = Math.max(320, section.clientWidth - 8);
  var tz = function (ts) { return uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC'); };
  var short = tl.to - tl.from <= 20 * 60 * 1000;
  function hhmm(u, splits) {
    return splits.map(function (v) { return new Date(v * 1000).toISOString().slice(11, short ? 19 : 16); });
  }
  function stamp(u, v) { return v == null ? '--' : clock(v * 1000); }
  var xScale = { time: true, auto: false, range: function () { return [tl.from / 1000, tl.to / 1000]; } };
  var latency = new uPlot({
    width: width, height: 280, tzDate: tz,
    cursor: { sync: { key: 'kuv' } },
    scales: { x: xScale, y: { range: function (u, min, max) { return [0, Math.max(10, max * 1.1)]; } } },
    padding: [KINDS.length * LANE + 8, 16, 0, 0],
    axes: [{ values: hhmm }, { label: 'produce latency, ms', size: 60 }],
    series: [
      { label: 'time (UTC)', value: stamp },
      { label: 'p50, all partitions', stroke: '#2f6db5', width: 1.5, spanGaps: false },
      { label: 'p99, all partitions', stroke: '#c2410c', width: 1.5, spanGaps: false },
      { label: 'max, selected partition', stroke: '#6d28d9', width: 1.5, dash: [6, 4], show: false },
    ],
    plugins: [bandsPlugin(), markersPlugin()],
  }, [x, tl.p50, tl.p99, partitionSeries('max')], document.getElementById('chart-latency'));
  var bars = uPlot.paths && uPlot.paths.bars ? uPlot.paths.bars({ size: [0.9, 40] }) : undefined;
  var failed = new uPlot({
    width: width, height: 160, tzDate: tz,
    cursor: { sync: { key: 'kuv' } },
    scales: { x: xScale, y: { range: function (u, min, max) { return [0, Math.max(1, max)]; } } },
    padding: [8, 16, 0, 0],
    axes: [{ values: hhmm }, { label: 'failed sends', size: 60 }],
    series: [
      { label: 'time (UTC)', value: stamp },
      { label: 'failed sends, all partitions', stroke: '#b91c1c', fill: 'rgba(185, 28, 28, 0.35)', paths: bars },
      { label: 'failed, selected partition', stroke: '#6d28d9', fill: 'rgba(109, 40, 217, 0.35)', paths: bars, show: false },
    ],
    plugins: [bandsPlugin()],
  }, [x, tl.failed, partitionSeries('failed')], document.getElementById('chart-failed'));

  // On the whole chart: the marker lanes are above the plot area (u.over), positions relative to it.
  latency.root.addEventListener('mousemove', function (e) {
    var box = latency.over.getBoundingClientRect();
    showTooltip(latency, e.clientX - box.left, e.clientY - box.top);
  });
  latency.root.addEventListener('mouseleave', function () { tooltip.hidden = true; });

  var select = document.getElementById('partition');
  select.addEventListener('change', function () {
    selected = select.value === '' ? null : Number(select.value);
    latency.setData([x, tl.p50, tl.p99, partitionSeries('max')]);
    failed.setData([x, tl.failed, partitionSeries('failed')]);
    latency.setSeries(3, { show: selected !== null });
    failed.setSeries(2, { show: selected !== null });
  });
  window.addEventListener('resize', function () {
    var w = Math.max(320, section.clientWidth - 8);
    latency.setSize({ width: w, height: 280 });
    failed.setSize({ width: w, height: 160 });
  });
})();`;
