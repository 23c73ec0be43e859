/** The report page's stylesheet and the colour of each anomaly kind (charts, swatches). */
export const KIND_COLORS: Record<string, string> = {
  lost: '#b91c1c',
  duplicate: '#d97706',
  outOfOrder: '#7c3aed',
  inconsistentOffset: '#111827',
  redelivered: '#0e7490',
  skipped: '#be185d',
};

export const STYLE = `
:root { color-scheme: light; --fail: #b91c1c; --warn: #b45309; --pass: #15803d; --inconclusive: #4b5563; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #111827; background: #f8fafc; }
main { max-width: 1280px; margin: 0 auto; padding: 16px 20px 40px; }
section { background: #fff; border: 1px solid #e5e7eb; border-radius: 8px; padding: 12px 16px; margin: 14px 0; }
h1 { margin: 0; font-size: 26px; } h2 { margin: 0 0 8px; font-size: 18px; } h3 { margin: 12px 0 4px; font-size: 15px; }
header.verdict { color: #fff; padding: 14px 20px; }
header.fail { background: var(--fail); } header.warn { background: var(--warn); }
header.pass { background: var(--pass); } header.inconclusive { background: var(--inconclusive); }
header .sub { opacity: .92; margin-top: 4px; }
ul.reasons { margin: 6px 0; padding-left: 20px; font-size: 16px; } ul.reasons a { color: inherit; }
.counts { display: flex; flex-wrap: wrap; gap: 8px; margin-top: 8px; }
.count { border: 1px solid #e5e7eb; border-radius: 6px; padding: 4px 10px; background: #fff; }
.count b { font-size: 17px; } .count.bad { border-color: var(--fail); color: var(--fail); } .count.warn { border-color: var(--warn); color: var(--warn); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0; }
dl.facts dt { color: #4b5563; } dl.facts dd { margin: 0; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid #eef0f3; vertical-align: top; }
th { background: #f3f4f6; position: sticky; top: 0; }
table.sortable th { cursor: pointer; user-select: none; }
th[aria-sort=ascending]::after { content: " ▲"; } th[aria-sort=descending]::after { content: " ▼"; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.bad td { background: #fef2f2; } tr.changed td { background: #fffbeb; }
.ok { color: var(--pass); } .no { color: var(--fail); font-weight: 600; } .na { color: #9ca3af; }
.scroll { max-height: 480px; overflow: auto; }
.legend { display: flex; flex-wrap: wrap; gap: 12px; margin: 4px 0 8px; font-size: 13px; align-items: center; }
.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px; vertical-align: -2px; margin-right: 4px; }
#tooltip { position: absolute; z-index: 10; background: #111827; color: #fff; padding: 6px 9px; border-radius: 6px; font-size: 12px; pointer-events: none; max-width: 360px; overflow-wrap: anywhere; }
.bars td.bar { width: 60%; } .bar span { display: block; height: 9px; margin: 2px 0; border-radius: 2px; }
.bar .before { background: #93c5fd; } .bar .after { background: #1d4ed8; }
.next article { border-left: 4px solid #d1d5db; padding: 2px 12px; margin: 10px 0; }
.next article.fail { border-color: var(--fail); } .next article.warn { border-color: var(--warn); }
pre { background: #f3f4f6; padding: 6px 8px; overflow-x: auto; border-radius: 4px; }
code { font-size: 12.5px; } footer { color: #6b7280; font-size: 12px; margin-top: 20px; }
`;
