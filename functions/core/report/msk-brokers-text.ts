/** The per-broker AWS/Kafka section in words: summary.txt's lines and the formatters the page shares. */
import { clock, type MskBrokersSection } from './msk-brokers.js';

/** Bytes per second in a short human form: 512 B/s, 1.5 KB/s, 3.2 MB/s (1 KB = 1000 B). */
export function rate(bytesPerSecond: number | null): string {
  if (bytesPerSecond === null) return 'n/a';
  const units = ['B/s', 'KB/s', 'MB/s', 'GB/s'];
  let v = bytesPerSecond;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u += 1;
  }
  return `${u === 0 ? Math.round(v) : v.toFixed(1)} ${units[u]}`;
}

/** The share at the peak as a percentage, or n/a. */
export function percent(share: number | null): string {
  return share === null ? 'n/a' : `${(share * 100).toFixed(1)} %`;
}

/** The summary's lines for the section (summary.txt), ending with a newline. */
export function formatMskBrokers(s: MskBrokersSection): string {
  const head = `\nMSK BROKER TRAFFIC (AWS/Kafka BytesInPerSec, LeaderCount${s.clusterName === null ? '' : `, cluster ${s.clusterName}`}${s.from === null || s.to === null ? '' : `, ${clock(s.from)}–${clock(s.to)} UTC`}): ${s.status}\n`;
  if (s.status === 'no-data' || s.brokers.length === 0) return `${head}  ${s.note ?? 'not read'}\n`;
  const peak =
    s.peakTrafficSkew === null
      ? '  peak traffic skew: n/a (no minute with every broker’s bytes in)\n'
      : `  peak traffic skew ${s.peakTrafficSkew} at ${clock(s.peakTrafficSkewAt!)} UTC: broker ${s.peakTrafficSkewBroker} took ${percent(s.brokers.find((b) => b.broker === s.peakTrafficSkewBroker)?.shareAtPeakSkew ?? null)} of the cluster's bytes in (1 is even; ${s.minutesCompared} minute(s) compared)\n`;
  const rows = s.brokers.map(
    (b) =>
      `  broker ${String(b.broker).padEnd(4)} bytes in mean ${rate(b.bytesInMean).padEnd(10)} max ${rate(b.bytesInMax).padEnd(10)} share at peak ${percent(b.shareAtPeakSkew).padEnd(8)} leaders ${b.leaderCountMin ?? 'n/a'}–${b.leaderCountMax ?? 'n/a'}\n`,
  );
  return `${head}${peak}${rows.join('')}${s.note === null ? '' : `  ${s.note}\n`}`;
}
