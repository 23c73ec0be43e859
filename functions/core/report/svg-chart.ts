/**
 * A small step chart drawn as inline SVG on the server: one line per broker over
 * the run's time axis, with each restart as a band. No script and no external
 * asset: it shows even where JavaScript is off. Pure.
 */
import { clock } from './formatters.js';
import { escapeHtml as e } from './html-text.js';
import type { BrokerSeries } from './leadership-series.js';
import type { RestartBand } from './timeline.js';

const WIDTH = 1200;
const HEIGHT = 190;
const LEFT = 44;
const RIGHT = 12;
const TOP = 10;
const BOTTOM = 24;

/** One colour per broker id (id mod 8), the same in every chart. */
export const BROKER_COLORS = [
  '#1d4ed8',
  '#d97706',
  '#15803d',
  '#7c3aed',
  '#be185d',
  '#0e7490',
  '#4b5563',
  '#b91c1c',
];

export interface StepChart {
  id: string;
  /** Says what the chart shows, for screen readers. */
  label: string;
  series: BrokerSeries;
  /** The x axis, ms. */
  from: number;
  to: number;
  /** The y axis' top; values are drawn from 0 to it. */
  yMax: number;
  /** How a y value is written on the axis. */
  yText: (v: number) => string;
  restarts: readonly RestartBand[];
}

export function brokerColor(broker: number): string {
  const n = BROKER_COLORS.length;
  return BROKER_COLORS[((broker % n) + n) % n]!;
}

/** The SVG for one chart and its legend. */
export function stepChart(c: StepChart): string {
  const span = Math.max(1, c.to - c.from);
  const x = (t: number): number => LEFT + ((t - c.from) / span) * (WIDTH - LEFT - RIGHT);
  const yMax = c.yMax > 0 ? c.yMax : 1;
  const y = (v: number): number => TOP + (1 - v / yMax) * (HEIGHT - TOP - BOTTOM);
  const fix = (n: number): string => n.toFixed(1);
  const bands = c.restarts.map((r) => {
    const start = r.downAt ?? r.upAt ?? c.from;
    const end = r.upAt ?? c.to;
    const w = Math.max(1, x(end) - x(start));
    return `<rect class="restart-band" data-broker="${r.broker}" x="${fix(x(start))}" y="${TOP}" width="${fix(w)}" height="${HEIGHT - TOP - BOTTOM}" fill="rgba(214,69,65,.25)"><title>broker ${r.broker} down ${r.downAt === null ? '?' : clock(r.downAt)} → ${r.upAt === null ? 'never up' : clock(r.upAt)}</title></rect>`;
  });
  const lines = c.series.brokers.map((broker, b) => {
    const points: string[] = [];
    const values = c.series.values[b]!;
    const path: string[] = [];
    let open = false;
    c.series.t.forEach((t, i) => {
      const v = values[i];
      if (v === null || v === undefined) {
        open = false;
        return;
      }
      const next = c.series.t[i + 1] ?? c.to;
      path.push(`${open ? 'L' : 'M'}${fix(x(t))} ${fix(y(v))}H${fix(x(Math.max(t, next)))}`);
      points.push(`${t}:${v}`);
      open = true;
    });
    return `<path class="broker-line" data-broker="${broker}" data-points="${points.length}" d="${path.join('')}" fill="none" stroke="${brokerColor(broker)}" stroke-width="2"/>`;
  });
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => c.from + f * span);
  const xAxis = ticks
    .map(
      (t) =>
        `<text x="${fix(x(t))}" y="${HEIGHT - 6}" text-anchor="middle" font-size="11">${clock(Math.round(t)).slice(0, 8)}</text>`,
    )
    .join('');
  const yAxis = [0, yMax / 2, yMax]
    .map(
      (v) =>
        `<text x="${LEFT - 6}" y="${fix(y(v) + 4)}" text-anchor="end" font-size="11">${e(c.yText(v))}</text><line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${fix(y(v))}" y2="${fix(y(v))}" stroke="#e5e7eb"/>`,
    )
    .join('');
  const legend = c.series.brokers
    .map(
      (broker) =>
        `<span><span class="swatch" style="background:${brokerColor(broker)}"></span>broker ${broker}</span>`,
    )
    .join('');
  return `<div class="legend">${legend}<span><span class="swatch" style="background:rgba(214,69,65,.45)"></span>broker down</span></div>
<svg id="${c.id}" class="step-chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${e(c.label)}" data-brokers="${c.series.brokers.length}" data-times="${c.series.t.length}" data-restart-bands="${bands.length}" xmlns="http://www.w3.org/2000/svg">${yAxis}${bands.join('')}${lines.join('')}${xAxis}</svg>`;
}
