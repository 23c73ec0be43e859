/** The page's reachability section: each broker and bootstrap endpoint, before and after. */
import type { EndpointReachability, Report } from '../history/index.js';
import type { CollectedTimeline, ProbeDetail, ProbePair, StageOutcome } from './collector.js';
import { table } from './formatters.js';
import { escapeHtml as e } from './html-text.js';

function stage(s: StageOutcome | null): string {
  if (s === null) return '<td class="na" data-v="">—</td>';
  if (s.ok) return `<td class="ok" data-v="ok">ok ${s.ms} ms</td>`;
  return `<td class="no" data-v="failed">failed${s.error === undefined ? '' : ` ${e(s.error)}`} (${s.ms} ms)</td>`;
}

function stages(p: ProbeDetail | null): string {
  if (p === null) return '<td class="na" colspan="3">no baseline probe</td>';
  return stage(p.dns) + stage(p.tcp) + stage(p.kafka);
}

function addresses(list: string[] | null): string {
  return list === null ? 'unresolved' : list.length === 0 ? 'no address' : list.join(', ');
}

function reachabilityRow(
  name: string,
  attrs: string,
  r: EndpointReachability & { firstEndpoint?: string | null; addressChanged?: boolean },
  pair: ProbePair | undefined,
): string {
  const moved = r.addressChanged === true;
  const endpoint =
    r.firstEndpoint != null && r.firstEndpoint !== r.endpoint
      ? `${e(r.firstEndpoint)} → ${e(r.endpoint)}`
      : e(r.endpoint);
  const where = moved
    ? `<span class="old">${e(addresses(r.firstAddresses))}</span> → <span class="new">${e(addresses(r.finalAddresses))}</span>`
    : e(addresses(r.finalAddresses));
  const failures = (['dns', 'tcp', 'kafka'] as const)
    .filter((s) => r.failures[s] > 0)
    .map((s) => `${s} ${r.failures[s]}`);
  const cls = !r.reachable ? ' class="bad"' : moved || r.ipLiteral ? ' class="changed"' : '';
  return `<tr${cls} ${attrs} data-address-changed="${moved}"><td>${name}</td><td>${endpoint}</td><td class="addresses">${where}${moved ? ' <b>(changed)</b>' : ''}</td>${stages(pair?.first ?? null)}${stages(pair?.final ?? null)}<td class="${r.reachable ? 'ok' : 'no'}">${r.reachable ? 'yes' : 'NO'}</td><td>${r.ipLiteral ? '<b>IP literal</b>' : 'DNS name'}</td><td>${failures.length > 0 ? `${failures.join(', ')} of ${r.probes}` : `0 of ${r.probes}`}</td></tr>`;
}

export function reachabilitySection(report: Report, collected: CollectedTimeline): string {
  const reach = report.reachability;
  if (reach === null) {
    return '<section id="reachability"><h2>Reachability</h2><p>The run made no probe: reachability was not checked.</p></section>';
  }
  const headers = [
    'broker',
    'endpoint',
    'addresses (old → new)',
    'DNS before',
    'TCP before',
    'Kafka before',
    'DNS after',
    'TCP after',
    'Kafka after',
    'reachable',
    'endpoint given as',
    'failed probes',
  ];
  const brokers = reach.brokers.map((b) =>
    reachabilityRow(
      `broker ${b.broker}`,
      `data-broker="${b.broker}"`,
      b,
      collected.probes.brokers.get(b.broker),
    ),
  );
  const bootstrap = reach.bootstrap.map((b) =>
    reachabilityRow('bootstrap', 'data-bootstrap', b, collected.probes.bootstrap.get(b.endpoint)),
  );
  const t = reach.totals;
  return `<section id="reachability"><h2>Reachability</h2>
<p>${t.unreachableBrokers} brokers and ${t.unreachableBootstrap} bootstrap endpoints unreachable at the end; ${t.brokerAddressChanges} brokers changed address; ${t.ipLiteralEndpoints} endpoints given as IP addresses; ${t.dnsFailures} failed DNS lookups. "Before" is each endpoint's first baseline probe, "after" its final probe.</p>
${table('reachability-table', headers, [...brokers, ...bootstrap], false)}</section>`;
}
