/**
 * Draws the layout of a dashboard (panel titles, types, positions and sizes from gridPos) as an SVG, from the
 * dashboard definition itself, since no Grafana server runs here. `npx tsx tools/monitoring/render-dashboard.ts
 * [out.svg]` writes the chaos dashboard of the example stack to docs/dashboard.svg.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'cdk8s';
import { type Dashboard, GRID_COLUMNS, PanelType, type PlacedPanel } from '../../constructs/monitoring/dashboard';
import { exampleMonitoring } from './example';

const COL = 40;
const ROW = 30;
const MARGIN = 20;
const HEADER = 56;
const GAP = 4;

const FILL: Readonly<Record<PanelType, string>> = {
  [PanelType.TIMESERIES]: '#e3f1e6',
  [PanelType.STAT]: '#e4ecf7',
  [PanelType.GAUGE]: '#e4ecf7',
  [PanelType.TABLE]: '#f7f1de',
  [PanelType.STATE_TIMELINE]: '#f8e8dc',
};
const STROKE: Readonly<Record<PanelType, string>> = {
  [PanelType.TIMESERIES]: '#3f8f55',
  [PanelType.STAT]: '#3c6bb0',
  [PanelType.GAUGE]: '#3c6bb0',
  [PanelType.TABLE]: '#a88a2c',
  [PanelType.STATE_TIMELINE]: '#c0672c',
};

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Cuts `text` to what fits in `width` px at roughly 7 px per character. */
function fit(text: string, width: number): string {
  const max = Math.max(3, Math.floor(width / 7));
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** A small drawing of the visualisation inside the panel's body box. */
function glyph(type: PanelType, x: number, y: number, w: number, h: number): string {
  const c = STROKE[type];
  switch (type) {
    case PanelType.TIMESERIES: {
      const pts = [0, 0.55, 0.35, 0.7, 0.3, 0.8, 0.45, 0.2, 0.5, 0.4, 0.35].map((v, i, a) =>
        `${(x + (w * i) / (a.length - 1)).toFixed(1)},${(y + h * (1 - v)).toFixed(1)}`);
      return `<polyline points="${pts.join(' ')}" fill="none" stroke="${c}" stroke-width="2"/>`;
    }
    case PanelType.GAUGE:
    case PanelType.STAT: {
      const r = Math.min(w / 2, h) * 0.8;
      const cx = x + w / 2;
      const cy = y + h * 0.9;
      return `<path d="M ${cx - r} ${cy} A ${r} ${r} 0 0 1 ${cx + r} ${cy}" fill="none" stroke="#c9d5e8" stroke-width="8"/>`
        + `<path d="M ${cx - r} ${cy} A ${r} ${r} 0 0 1 ${cx + r * 0.5} ${cy - r * 0.866}" fill="none" stroke="${c}" stroke-width="8"/>`;
    }
    case PanelType.TABLE: {
      const lines: string[] = [];
      const n = Math.max(2, Math.floor(h / 16));
      for (let i = 0; i <= n; i++) {
        const yy = (y + (h * i) / n).toFixed(1);
        lines.push(`<line x1="${x}" y1="${yy}" x2="${x + w}" y2="${yy}" stroke="${c}" stroke-width="${i === 1 ? 1.5 : 0.6}"/>`);
      }
      return lines.join('');
    }
    case PanelType.STATE_TIMELINE: {
      const lanes = 3;
      const lh = h / lanes;
      const bars: string[] = [];
      for (let i = 0; i < lanes; i++) {
        const start = x + w * (0.1 + 0.25 * i);
        bars.push(`<rect x="${start.toFixed(1)}" y="${(y + lh * i + 3).toFixed(1)}" width="${(w * 0.2).toFixed(1)}" height="${(lh - 6).toFixed(1)}"`
          + ` rx="2" fill="${c}" opacity="0.75"/>`);
      }
      return bars.join('');
    }
  }
}

function panel(p: PlacedPanel): string {
  const x = MARGIN + p.gridPos.x * COL + GAP / 2;
  const y = HEADER + p.gridPos.y * ROW + GAP / 2;
  const w = p.gridPos.w * COL - GAP;
  const h = p.gridPos.h * ROW - GAP;
  if (p.type === 'row') {
    return `<text x="${x}" y="${y + 19}" font-size="15" font-weight="bold" fill="#333">${esc(p.title)}</text>`
      + `<line x1="${x}" y1="${y + h - 2}" x2="${x + w}" y2="${y + h - 2}" stroke="#bbb"/>`;
  }
  const size = `${p.gridPos.w}×${p.gridPos.h} at (${p.gridPos.x}, ${p.gridPos.y})`;
  return [
    `<g><title>${esc(`${p.title} (${p.type}, ${size})`)}</title>`,
    `<rect x="${x}" y="${y}" width="${w}" height="${h}" rx="4" fill="${FILL[p.type]}" stroke="${STROKE[p.type]}"/>`,
    `<text x="${x + 8}" y="${y + 18}" font-size="13" font-weight="bold" fill="#222">${esc(fit(p.title, w - 16))}</text>`,
    `<text x="${x + 8}" y="${y + h - 8}" font-size="10" fill="#555">${esc(fit(`${p.type} · ${size}`, w - 16))}</text>`,
    glyph(p.type, x + 10, y + 28, w - 20, Math.max(8, h - 50)),
    '</g>',
  ].join('');
}

/** The SVG picture of a dashboard's layout. */
export function renderDashboardSvg(dashboard: Dashboard): string {
  const bottom = Math.max(...dashboard.placed.map((p) => p.gridPos.y + p.gridPos.h));
  const width = MARGIN * 2 + GRID_COLUMNS * COL;
  const height = HEADER + bottom * ROW + MARGIN;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"`
      + ' font-family="Helvetica, Arial, sans-serif">',
    `<rect width="${width}" height="${height}" fill="#fafafa"/>`,
    `<text x="${MARGIN}" y="28" font-size="20" font-weight="bold" fill="#111">${esc(dashboard.title)}</text>`,
    `<text x="${MARGIN}" y="46" font-size="11" fill="#666">Grafana dashboard uid ${esc(dashboard.uid)}: layout drawn from`
      + ' constructs/monitoring/dashboards.ts (24-column grid, 1 row = 30 px)</text>',
    ...dashboard.placed.map(panel),
    '</svg>',
    '',
  ].join('\n');
}

/** The chaos dashboard of the example stack (the one the README shows). */
export function exampleDashboard(): Dashboard {
  const stack = exampleMonitoring(new App());
  const [dashboard] = stack.grafana.dashboards;
  if (dashboard === undefined) throw new Error('the example stack provisions no dashboard');
  return dashboard;
}

/* istanbul ignore next */
if (require.main === module) {
  const out = process.argv[2] ?? join(__dirname, '..', '..', 'docs', 'dashboard.svg');
  writeFileSync(out, renderDashboardSvg(exampleDashboard()));
  console.log(`wrote ${out}`);
}
