/** Small formatters the report page's sections share: times, durations, table cells. */
/** 2025-11-23 12:01:41.000 UTC */
export function when(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  return `${new Date(ms).toISOString().replace('T', ' ').slice(0, 23)} UTC`;
}

export function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 23);
}

export function duration(ms: number): string {
  if (ms < 10_000) return `${ms} ms`;
  const s = Math.round(ms / 1000);
  if (s < 600) return `${s} s`;
  return `${Math.floor(s / 60)} min ${s % 60} s`;
}

export function num(value: number | null | undefined, cls = 'num'): string {
  if (value === null || value === undefined) return `<td class="${cls} na" data-v="-1">n/a</td>`;
  return `<td class="${cls}" data-v="${value}">${value}</td>`;
}

export function table(id: string, headers: string[], rows: string[], sortable = true): string {
  return (
    `<div class="scroll"><table id="${id}"${sortable ? ' class="sortable"' : ''}>` +
    `<thead><tr>${headers.map((h) => `<th>${h}</th>`).join('')}</tr></thead>` +
    `<tbody>${rows.join('\n')}</tbody></table></div>`
  );
}
