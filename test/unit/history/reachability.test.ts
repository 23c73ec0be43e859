/**
 * Reachability (docs/history-format.md, "Reachability: `probe` records"): each
 * definition and edge, on small hand-built histories.
 */
import { describe, expect, it } from 'vitest';
import { hostOf, isIpLiteral } from '../../../functions/core/history/reachability.js';
import { analyze, clean, failedStage, probe, run } from './history-builder.js';

/** A history that passes on its messages, plus these probe lines. */
const withProbes = (...probes: string[]): string[] => [run(), ...clean(0, 2), ...probes];

describe('reachability', () => {
  it('is null when the history has no probe record', () => {
    expect(analyze(withProbes()).reachability).toBeNull();
  });

  it('takes the first probe from the earliest baseline and the final from the latest after', () => {
    const r = analyze(
      withProbes(
        probe(1, 'after', 900, ['10.0.0.9']),
        probe(1, 'baseline', 200, ['10.0.0.2']),
        probe(1, 'baseline', 100, ['10.0.0.1']),
        probe(1, 'during', 5000, ['10.0.0.5']),
        probe(1, 'after', 800, ['10.0.0.8']),
      ),
    ).reachability!;
    expect(r.brokers).toEqual([
      {
        broker: 1,
        endpoint: 'b-1.kafka.test:9092',
        firstEndpoint: 'b-1.kafka.test:9092',
        firstAddresses: ['10.0.0.1'],
        finalAddresses: ['10.0.0.9'],
        addressChanged: true,
        ipLiteral: false,
        reachable: true,
        probes: 5,
        failures: { dns: 0, tcp: 0, kafka: 0 },
        maxMs: { dns: 3, tcp: 1, kafka: 4 },
      },
    ]);
  });

  it('takes the final probe from the latest of any phase when there is no after probe', () => {
    const r = analyze(
      withProbes(
        probe(2, 'during', 500, ['10.0.0.5'], { kafka: failedStage('ECONNRESET') }),
        probe(2, 'during', 400, ['10.0.0.4']),
      ),
    ).reachability!;
    const [b] = r.brokers;
    expect(b).toMatchObject({
      firstEndpoint: null,
      firstAddresses: null,
      finalAddresses: ['10.0.0.5'],
      addressChanged: false,
      reachable: false,
    });
    expect(r.totals.unreachableBrokers).toBe(1);
  });

  it('sees an address change when the endpoint differs, even with the same addresses', () => {
    const r = analyze(
      withProbes(
        probe(3, 'baseline', 0, ['10.0.0.3']),
        probe(3, 'after', 900, ['10.0.0.3'], { endpoint: 'b-3-new.kafka.test:9092' }),
      ),
    ).reachability!;
    expect(r.brokers[0]).toMatchObject({
      endpoint: 'b-3-new.kafka.test:9092',
      firstEndpoint: 'b-3.kafka.test:9092',
      addressChanged: true,
    });
    expect(r.totals.brokerAddressChanges).toBe(1);
  });

  it('compares address sets: order and repeats do not make a change', () => {
    const r = analyze(
      withProbes(
        probe(1, 'baseline', 0, ['10.0.0.2', '10.0.0.1']),
        probe(1, 'after', 900, ['10.0.0.1', '10.0.0.2', '10.0.0.1']),
      ),
    ).reachability!;
    expect(r.brokers[0]).toMatchObject({
      firstAddresses: ['10.0.0.1', '10.0.0.2'],
      finalAddresses: ['10.0.0.1', '10.0.0.2'],
      addressChanged: false,
    });
  });

  it('calls no address change when the first or final dns is not ok, and gives null addresses', () => {
    const failedDns = {
      dns: { ...failedStage('ENOTFOUND'), addresses: [] },
      tcp: null,
      kafka: null,
    };
    const r = analyze(
      withProbes(probe(1, 'baseline', 0, ['10.0.0.1']), probe(1, 'after', 900, [], failedDns)),
    ).reachability!;
    expect(r.brokers[0]).toMatchObject({
      firstAddresses: ['10.0.0.1'],
      finalAddresses: null,
      addressChanged: false,
      reachable: false,
      failures: { dns: 1, tcp: 0, kafka: 0 },
    });
  });

  it.each([
    ['an IPv4 literal', '10.1.0.1:9092', true],
    ['a bracketed IPv6 literal', '[::1]:9092', true],
    ['a bracketed full IPv6 literal', '[2001:db8::17]:9094', true],
    ['a DNS name', 'b-1.kafka.test:9092', false],
    ['a name that starts with digits', '10kafka.test:9092', false],
  ])('names %s endpoint ip literal: %s', (_what, endpoint, literal) => {
    expect(isIpLiteral(endpoint)).toBe(literal);
    const r = analyze(withProbes(probe(1, 'after', 0, ['10.1.0.1'], { endpoint }))).reachability!;
    expect(r.brokers[0]!.ipLiteral).toBe(literal);
    expect(r.totals.ipLiteralEndpoints).toBe(literal ? 1 : 0);
  });

  it('takes the host of host:port, of [v6]:port and of a bare v6 literal', () => {
    expect(hostOf('[fe80::1]:9092')).toBe('fe80::1');
    expect(hostOf('b-1.kafka.test:9092')).toBe('b-1.kafka.test');
    expect(hostOf('::1')).toBe('::1');
  });

  it('calls a key ip-literal when any of its probes used a literal', () => {
    const r = analyze(
      withProbes(
        probe(1, 'baseline', 0, ['10.0.0.1'], { endpoint: '10.0.0.1:9092' }),
        probe(1, 'after', 900, ['10.0.0.1']),
      ),
    ).reachability!;
    expect(r.brokers[0]).toMatchObject({ ipLiteral: true, addressChanged: true });
  });

  it('counts dns failures over every probe of both roles and all phases', () => {
    const failedDns = {
      dns: { ...failedStage('ETIMEOUT'), addresses: [] },
      tcp: null,
      kafka: null,
    };
    const r = analyze(
      withProbes(
        probe(1, 'baseline', 0, [], failedDns),
        probe(1, 'during', 10, [], failedDns),
        probe(1, 'after', 20),
        probe(null, 'during', 30, [], failedDns),
        probe(null, 'after', 40),
      ),
    );
    expect(r.reachability!.totals).toEqual({
      unreachableBrokers: 0,
      unreachableBootstrap: 0,
      dnsFailures: 3,
      brokerAddressChanges: 0,
      ipLiteralEndpoints: 0,
    });
    expect(r.verdict).toBe('warn');
    expect(r.reasons).toEqual(['3 probes whose DNS lookup failed']);
  });

  it('counts stage failures where the stage is present, and the largest ms of ok stages only', () => {
    const r = analyze(
      withProbes(
        probe(null, 'baseline', 0, ['10.0.0.1'], {
          tcp: { ...failedStage('ECONNREFUSED', 900), address: '10.0.0.1' },
          kafka: null,
        }),
        probe(null, 'after', 50, ['10.0.0.1'], {
          dns: { ok: true, ms: 7, addresses: ['10.0.0.1'] },
        }),
      ),
    ).reachability!;
    expect(r.bootstrap).toEqual([
      {
        endpoint: 'bootstrap.kafka.test:9092',
        firstAddresses: ['10.0.0.1'],
        finalAddresses: ['10.0.0.1'],
        ipLiteral: false,
        reachable: true,
        probes: 2,
        failures: { dns: 0, tcp: 1, kafka: 0 },
        maxMs: { dns: 7, tcp: 1, kafka: 4 },
      },
    ]);
  });

  it('gives null maxMs for a stage never ok', () => {
    const r = analyze(
      withProbes(probe(1, 'after', 0, ['10.0.0.1'], { kafka: failedStage('EPROTO', 30) })),
    ).reachability!;
    expect(r.brokers[0]!.maxMs).toEqual({ dns: 3, tcp: 1, kafka: null });
  });

  it('sorts brokers by id and bootstrap endpoints by name; groups brokers by id', () => {
    const r = analyze(
      withProbes(
        probe(10, 'after', 0),
        probe(2, 'after', 0),
        probe(null, 'after', 0, ['10.0.0.1'], { endpoint: 'z.kafka.test:9092' }),
        probe(null, 'after', 0, ['10.0.0.1'], { endpoint: 'a.kafka.test:9092' }),
        probe(2, 'baseline', 0, ['10.0.0.2'], { endpoint: 'old-2.kafka.test:9092' }),
      ),
    ).reachability!;
    expect(r.brokers.map((b) => [b.broker, b.probes])).toEqual([
      [2, 2],
      [10, 1],
    ]);
    expect(r.bootstrap.map((b) => b.endpoint)).toEqual(['a.kafka.test:9092', 'z.kafka.test:9092']);
  });

  it('fails on a broker or bootstrap endpoint unreachable at the end, under both policies', () => {
    const down = { kafka: failedStage('ECONNREFUSED') };
    for (const lines of [
      withProbes(probe(1, 'after', 0, ['10.0.0.1'], down)),
      withProbes(probe(null, 'after', 0, ['10.0.0.1'], down)),
    ]) {
      expect(analyze(lines, 'strict').verdict).toBe('fail');
      expect(analyze(lines, 'tolerant').verdict).toBe('fail');
    }
  });

  it('takes the failed probe as final when two after probes share the latest time', () => {
    const ok = probe(1, 'after', 500);
    const failed = probe(1, 'after', 500, ['10.0.0.1'], { kafka: failedStage() });
    expect(analyze(withProbes(ok, failed)).reachability!.brokers[0]!.reachable).toBe(false);
    expect(analyze(withProbes(failed, ok)).reachability!.brokers[0]!.reachable).toBe(false);
  });
});
