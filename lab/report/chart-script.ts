/**
 * The page's own chart code (browser JavaScript, run after uPlot): reads the embedded JSON and draws every panel.
 * `window.mmCharts` lists each chart with how many non-null points it drew, for the headless-browser test.
 */
export const chartScript = `
(function () {
  var data = JSON.parse(document.getElementById('mm-data').textContent);
  var root = document.getElementById('panels');
  var charts = (window.mmCharts = []);
  var COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2'];
  function el(tag, cls, text) { var e = document.createElement(tag); if (cls) e.className = cls; if (text) e.textContent = text; return e; }
  function count(arrs, nonzero) { var n = 0; arrs.forEach(function (a) { a.forEach(function (v) { if (v !== null && v !== undefined && (!nonzero || v !== 0)) n++; }); }); return n; }
  function chart(parent, id, title, x, series, opts) {
    var box = el('div', 'chart'); box.id = id; box.appendChild(el('div', 'title', title)); parent.appendChild(box);
    var width = Math.max(380, parent.clientWidth - 8);
    var o = {
      width: width, height: (opts && opts.height) || 200,
      scales: { x: { time: !(opts && opts.notime) } },
      axes: [{ stroke: '#5b6670', grid: { stroke: '#eef0f3' } }, { stroke: '#5b6670', grid: { stroke: '#eef0f3' }, size: 56 }],
      series: [{}].concat(series.map(function (s) { return s.opts; })),
      legend: { live: true },
    };
    if (opts && opts.notime) o.axes[0].values = function (u, v) { return v.map(function (x) { return x.toFixed(2); }); };
    var u = new uPlot(o, [x].concat(series.map(function (s) { return s.data; })), box);
    charts.push({ id: id, title: title, points: count(series.map(function (s) { return s.data; })), nonzero: count(series.map(function (s) { return s.data; }), true), canvas: !!box.querySelector('canvas') });
    return u;
  }
  function line(label, color, data, extra) {
    var o = { label: label, stroke: color, width: 1.5, points: { show: false }, spanGaps: false };
    for (var k in extra || {}) o[k] = extra[k];
    return { opts: o, data: data };
  }
  function dots(label, color, data) {
    return { opts: { label: label, stroke: color, fill: color, paths: function () { return null; }, points: { show: true, size: 7, fill: color, stroke: color } }, data: data };
  }
  data.panels.forEach(function (p, pi) {
    root.appendChild(el('h2', null, 'Scenario ' + p.scenario));
    var grid = el('div', 'grid'); grid.style.setProperty('--cols', String(Math.min(p.variants.length, 2))); root.appendChild(grid);
    p.variants.forEach(function (v, vi) {
      var card = el('div', 'card'); grid.appendChild(card);
      card.appendChild(el('h3', null, v.name + ' — seed ' + v.seed + (v.meanPnl === null ? '' : ' (mean PnL over seeds ' + v.meanPnl.toFixed(2) + ' USD)')));
      var id = 'p' + pi + 'v' + vi;
      chart(card, id + '-pnl', 'PnL over time (USD)', v.t, [
        line('net', '#111', v.pnl.net, { width: 2 }),
        line('realized', COLORS[0], v.pnl.realized),
        line('unrealized', COLORS[4], v.pnl.unrealized),
        line('fees', COLORS[1], v.pnl.fees),
        line('rewards est', COLORS[2], v.pnl.rewards, { dash: [4, 3] }),
      ]);
      chart(card, id + '-inv', 'Inventory per market (USD, + long YES)', v.t, v.markets.map(function (m, i) {
        return line(m.slug, COLORS[i % COLORS.length], m.inv);
      }));
      v.markets.forEach(function (m, mi) {
        chart(card, id + '-m' + mi, m.slug + ': fair vs mid, our quotes, fills (' + m.fills + ')', v.t, [
          line('mid', '#888', m.mid),
          line('fair', COLORS[3], m.fair, { width: 2 }),
          line('our bid', COLORS[2], m.bid, { dash: [3, 3], width: 1 }),
          line('our ask', COLORS[1], m.ask, { dash: [3, 3], width: 1 }),
          dots('fill: long YES', '#0a7d32', m.buys),
          dots('fill: short YES', '#c5221f', m.sells),
        ], { height: 170 });
      });
      var bars = uPlot.paths && uPlot.paths.bars ? uPlot.paths.bars({ size: [0.9, 12] }) : null;
      chart(card, id + '-mk', 'Markout distribution (¢ per share, all seeds)', v.markout.edges, v.markout.hist.map(function (h, i) {
        return { opts: { label: ['3 s', '10 s', '30 s'][i], stroke: COLORS[i], fill: COLORS[i] + '55', paths: bars, points: { show: false } }, data: h };
      }), { notime: true, height: 180 });
    });
  });
  window.mmReady = true;
})();
`
