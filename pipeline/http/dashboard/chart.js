// The session chart: PnL (USD, left axis) and net inventory (shares, right axis), drawn with uPlot (loaded before
// this module as a classic script from node_modules).

let chart = null

/** Draws the samples ({t, pnl, inventory}), creating the chart on first use. */
export function renderChart(samples) {
  const el = document.getElementById('chart')
  const data = [samples.map((s) => s.t / 1000), samples.map((s) => s.pnl), samples.map((s) => s.inventory)]
  if (!chart) {
    chart = new uPlot(
      {
        width: el.clientWidth || 600,
        height: 220,
        legend: { live: false },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: true }, usd: {}, sh: {} },
        axes: [
          { stroke: '#8b95a7', grid: { stroke: '#232a36' }, ticks: { stroke: '#232a36' } },
          {
            scale: 'usd',
            stroke: '#8b95a7',
            grid: { stroke: '#232a36' },
            values: (_, v) => v.map((x) => `$${x.toFixed(2)}`),
            size: 64,
          },
          {
            scale: 'sh',
            side: 1,
            stroke: '#8b95a7',
            grid: { show: false },
            values: (_, v) => v.map((x) => `${x.toFixed(0)} sh`),
            size: 64,
          },
        ],
        series: [
          {},
          {
            label: 'PnL (USD)',
            scale: 'usd',
            stroke: '#4ade80',
            width: 2,
            fill: 'rgba(74,222,128,0.08)',
            points: { show: false },
          },
          {
            label: 'Net inventory (shares)',
            scale: 'sh',
            stroke: '#60a5fa',
            width: 1.5,
            dash: [4, 3],
            points: { show: false },
          },
        ],
      },
      data,
      el,
    )
    new ResizeObserver(() => chart.setSize({ width: el.clientWidth, height: 220 })).observe(el)
  } else chart.setData(data)
}
