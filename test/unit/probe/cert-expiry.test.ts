/**
 * The text summary's certificate warning: it reads only probe records' tls.notAfter,
 * warns for those expiring within --cert-warn-days, and changes no report figure.
 */
import { describe, expect, it } from 'vitest';

import { analyzeLines, formatText } from '../../../functions/core/history/index.js';
import { certificatesOf } from '../../../functions/core/history/text-report.js';

const NOW = Date.UTC(2026, 10, 26);
const DAY = 86_400_000;

function probe(endpoint: string, at: number, notAfter: number) {
  return {
    type: 'probe',
    endpoint,
    role: 'bootstrap',
    phase: 'baseline',
    at,
    dns: { ok: true, ms: 1, addresses: ['127.0.0.1'] },
    tcp: { ok: true, ms: 1, address: '127.0.0.1' },
    tls: { ok: true, ms: 3, address: '127.0.0.1', notAfter },
    kafka: { ok: true, ms: 2 },
  };
}

const records = [
  probe('a.kafka.test:9094', NOW, NOW + 10 * DAY),
  probe('a.kafka.test:9094', NOW + 1, NOW + 100 * DAY), // renewed: the latest probe counts
  probe('b.kafka.test:9094', NOW, NOW + 5 * DAY),
  probe('c.kafka.test:9094', NOW, NOW - DAY),
];

describe('certificate expiry in the text summary', () => {
  it('keeps the latest notAfter per endpoint, soonest first', () => {
    expect(certificatesOf(records)).toEqual([
      { endpoint: 'c.kafka.test:9094', notAfter: NOW - DAY },
      { endpoint: 'b.kafka.test:9094', notAfter: NOW + 5 * DAY },
      { endpoint: 'a.kafka.test:9094', notAfter: NOW + 100 * DAY },
    ]);
    expect(certificatesOf([{ type: 'produce', tls: { notAfter: 1 } }])).toEqual([]);
  });

  it('warns within the days asked, says EXPIRED for a lapsed one, and nothing else changes', () => {
    const report = analyzeLines(
      records.map((r) => JSON.stringify(r)),
      { source: 't' },
    );
    const plain = formatText(report);
    const text = formatText(report, { certificates: certificatesOf(records), now: NOW });
    expect(text).toContain(
      'WARNING: the certificate of b.kafka.test:9094 expires on 2026-12-01 (in 5 days, under 30): renew it before it lapses',
    );
    expect(text).toContain('WARNING: the certificate of c.kafka.test:9094 EXPIRED on 2026-11-25');
    expect(text).not.toContain('a.kafka.test:9094 expires');
    expect(text.split('\n').filter((l) => !l.includes('WARNING: the certificate'))).toEqual(
      plain.split('\n'),
    );
    const wide = formatText(report, {
      certificates: certificatesOf(records),
      now: NOW,
      certWarnDays: 365,
    });
    expect(wide).toContain('a.kafka.test:9094 expires on 2027-03-06 (in 100 days, under 365)');
  });
});
