/**
 * The librdkafka producer's pure parts: its arguments per launch, the version texts
 * (rdkafka.h's RD_KAFKA_VERSION, the program's `-V`), and the hosts-file wrapping it
 * shares with kcat.
 */
import { describe, expect, it } from 'vitest';

import {
  headerVersion,
  librdkafkaProducerArgs,
  librdkafkaVersion,
} from '../../../clients/librdkafka-producer.js';
import { withHostsFile } from '../../../clients/kcat.js';

describe('librdkafka producer', () => {
  it('passes the launch as the protocol arguments', () => {
    expect(
      librdkafkaProducerArgs({
        bootstrap: 'broker-1.kafka.test:9092,broker-2.kafka.test:9092',
        dnsServer: undefined,
        topic: 'kuv-canary',
        profile: 'careful',
        runId: 'r-1',
        producer: 'kuv-librdkafka',
        intervalMs: 250,
      }),
    ).toEqual([
      '-b',
      'broker-1.kafka.test:9092,broker-2.kafka.test:9092',
      '-t',
      'kuv-canary',
      '-p',
      'kuv-librdkafka',
      '-r',
      'r-1',
      '-i',
      '250',
      '-s',
      'careful',
    ]);
  });

  it('reads the version from -V and from the header', () => {
    expect(librdkafkaVersion('librdkafka 2.0.2\n')).toBe('2.0.2');
    expect(librdkafkaVersion('librdkafka 2.3.0-RC1\n')).toBe('2.3.0-RC1');
    expect(librdkafkaVersion('cc: error while loading shared libraries: librdkafka.so.1')).toBe(
      null,
    );
    expect(librdkafkaVersion('')).toBe(null);
    expect(headerVersion('#define RD_KAFKA_VERSION  0x020002ff\n')).toBe('2.0.2');
    expect(headerVersion('#define RD_KAFKA_VERSION 0x010903ff')).toBe('1.9.3');
    expect(headerVersion('#define RD_KAFKA_VERSION 0x02030001')).toBe('2.3.0-pre1');
    expect(headerVersion('/* no version here */')).toBe(null);
  });

  it('runs as it is without a DNS server, in a mount namespace with the hosts file otherwise', () => {
    expect(withHostsFile('/tmp/hosts', undefined, '/c/p', ['-b', 'x'])).toEqual({
      command: '/c/p',
      args: ['-b', 'x'],
    });
    expect(withHostsFile(null, '127.0.0.1:5353', '/c/p', ['-b', 'x'])).toEqual({
      command: '/c/p',
      args: ['-b', 'x'],
    });
  });
});
