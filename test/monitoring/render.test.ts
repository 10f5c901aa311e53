import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { exampleDashboard, renderDashboardSvg } from '../../tools/monitoring/render-dashboard';

describe('render-dashboard', () => {
  test('draws every panel and row at its gridPos', () => {
    const dashboard = exampleDashboard();
    const svg = renderDashboardSvg(dashboard);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    for (const p of dashboard.placed) expect(svg).toContain(p.title);
    // Experiment timeline: 24×6 at (0, 1) -> x = 20 + 0 + 2, y = 56 + 30 + 2, w = 960 - 4, h = 180 - 4.
    expect(svg).toContain('<rect x="22" y="88" width="956" height="176" rx="4"');
    expect(svg).toContain('state-timeline · 24×6 at (0, 1)');
    expect((svg.match(/<rect [^>]*rx="4"/g) ?? [])).toHaveLength(dashboard.placed.filter((p) => p.type !== 'row').length);
  });

  test('docs/dashboard.svg is up to date with the dashboard definition', () => {
    const file = join(__dirname, '..', '..', 'docs', 'dashboard.svg');
    expect(existsSync(file)).toBe(true);
    // If this fails, regenerate: npx tsx tools/monitoring/render-dashboard.ts
    expect(readFileSync(file, 'utf8')).toBe(renderDashboardSvg(exampleDashboard()));
  });
});
