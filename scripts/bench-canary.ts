/**
 * Compares canary histories (node dist/scripts/bench-canary.js A.jsonl.gz [B.jsonl.gz …], after npm run build): for
 * each, the canary producer's achieved rate against the configured one, the ticks it
 * skipped (a history written before the send queue says so in its closing `run`
 * record's `skippedSends`), the messages failed on a full queue, and the p99 and max
 * of produceLatencyMs (ackedAt − sentAt) and scheduledLatencyMs (ackedAt −
 * scheduledAt), by the definitions of docs/history-format.md. Prints one block per
 * file: figures from one run each, not a timed test.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

type Rec = Record<string, unknown>;

function readRecords(path: string): Rec[] {
  const raw = readFileSync(path);
  const text = path.endsWith('.gz') ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Rec);
}

/** Nearest rank, as the analyzer: the ⌈p/100·n⌉-th smallest. */
function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export interface CanaryFigures {
  partitions: number;
  intervalMs: number;
  produced: number;
  configuredPerSecond: number;
  achievedPerSecond: number;
  skippedTicks: number | null;
  queueFull: number;
  failed: number;
  produceP99Ms: number | null;
  produceMaxMs: number | null;
  scheduledP99Ms: number | null;
  scheduledMaxMs: number | null;
}

export function canaryFigures(records: readonly Rec[], producer = 'canary'): CanaryFigures {
  const run = records.find((r) => r.type === 'run' && r.closing !== true);
  const closing = records.findLast((r) => r.type === 'run' && r.closing === true);
  const intervalMs = Number(run?.intervalMs);
  const partitions = Number(run?.partitions);
  if (!Number.isFinite(intervalMs) || !Number.isFinite(partitions)) {
    throw new Error('the history has no run record with intervalMs and partitions');
  }
  const produce = records.filter((r) => r.type === 'produce' && r.producer === producer);
  // The canary phase as the sends show it: first to last tick, plus one interval.
  const ticks = produce.map((r) => Number(r.scheduledAt ?? r.sentAt));
  const spanMs = Math.max(...ticks) - Math.min(...ticks) + intervalMs;
  const counters = (closing?.counters ?? {}) as Record<string, unknown>;
  const acked = produce.filter((r) => r.ok === true);
  const latency = (from: string) =>
    acked
      .filter((r) => typeof r[from] === 'number')
      .map((r) => Number(r.ackedAt) - Number(r[from]))
      .sort((a, b) => a - b);
  const produceMs = latency('sentAt');
  const scheduledMs = latency('scheduledAt');
  return {
    partitions,
    intervalMs,
    produced: produce.length,
    configuredPerSecond: (partitions * 1000) / intervalMs,
    achievedPerSecond: produce.length / (spanMs / 1000),
    skippedTicks: typeof counters.skippedSends === 'number' ? counters.skippedSends : null,
    queueFull: typeof counters.queueFull === 'number' ? counters.queueFull : 0,
    failed: produce.length - acked.length,
    produceP99Ms: percentile(produceMs, 99),
    produceMaxMs: produceMs.at(-1) ?? null,
    scheduledP99Ms: percentile(scheduledMs, 99),
    scheduledMaxMs: scheduledMs.at(-1) ?? null,
  };
}

function main(paths: readonly string[]): void {
  if (paths.length === 0) {
    process.stderr.write('usage: bench-canary HISTORY.jsonl[.gz] …\n');
    process.exitCode = 2;
    return;
  }
  for (const path of paths) {
    const f = canaryFigures(readRecords(path));
    const within = ((f.achievedPerSecond / f.configuredPerSecond - 1) * 100).toFixed(2);
    process.stdout.write(
      [
        path,
        `  rate          ${f.achievedPerSecond.toFixed(2)}/s achieved of ${f.configuredPerSecond.toFixed(2)}/s configured (${within} %), ${f.produced} sends`,
        `  skipped ticks ${f.skippedTicks ?? 'none (every tick sent)'}; failed ${f.failed}, ${f.queueFull} on a full queue`,
        `  produceLatencyMs   p99 ${f.produceP99Ms ?? '–'} max ${f.produceMaxMs ?? '–'}`,
        `  scheduledLatencyMs p99 ${f.scheduledP99Ms ?? '– (no scheduledAt)'} max ${f.scheduledMaxMs ?? '–'}`,
        '',
      ].join('\n'),
    );
  }
}

main(process.argv.slice(2));
