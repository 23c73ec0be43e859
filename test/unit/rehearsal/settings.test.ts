import { describe, expect, it } from 'vitest';

import { InputError } from '../../../functions/core/errors.js';
import { releaseOf } from '../../../rehearsal/features.js';
import { checkKafkaVersion, DEFAULT_KAFKA_VERSION } from '../../../rehearsal/jars.js';
import { checkStartSettings } from '../../../rehearsal/settings.js';

describe('checkStartSettings', () => {
  it('fills in the documented defaults', () => {
    expect(checkStartSettings({})).toEqual({
      version: DEFAULT_KAFKA_VERSION,
      brokers: 3,
      portBase: 19092,
      dnsPort: 15353,
      timeoutMs: 120_000,
      autoLeaderRebalance: true,
      leaderImbalanceCheckSeconds: 10,
      security: 'plaintext',
    });
  });

  it.each([
    [{ brokers: 0 }, /^--brokers 0: the local cluster runs 1 to 9 brokers/],
    [{ brokers: 10 }, /^--brokers 10:/],
    [{ brokers: 2.5 }, /^--brokers 2\.5:/],
    [{ portBase: 80 }, /^--port-base 80: use a port from 1024 to 65533/],
    [{ portBase: 65534 }, /^--port-base 65534:/],
    [{ dnsPort: 70000 }, /^--dns-port 70000:/],
    [{ portBase: 20000, dnsPort: 20001 }, /^--dns-port 20001 is one of the brokers' ports/],
    [{ timeoutMs: 0 }, /^timeout 0 ms: give a positive time/],
    [{ leaderImbalanceCheckSeconds: 0 }, /^--rebalance-interval 0 s: give whole seconds/],
    [{ leaderImbalanceCheckSeconds: 2.5 }, /^--rebalance-interval 2\.5 s:/],
    [{ version: '3.6.2' }, /^Kafka 3\.6\.2 is too old for the local cluster/],
    [
      { security: 'msk-iam' as 'tls' },
      /^--security msk-iam: the local cluster serves plaintext, tls, sasl-scram \(MSK IAM needs Amazon MSK itself\)/,
    ],
  ])('refuses %o with an InputError naming it', (given, message) => {
    expect(() => checkStartSettings(given)).toThrow(InputError);
    expect(() => checkStartSettings(given)).toThrow(message);
  });
});

describe('checkKafkaVersion', () => {
  it('accepts MAJOR.MINOR.PATCH from 3.7 on and returns major and minor', () => {
    expect(checkKafkaVersion('3.9.1')).toEqual({ major: 3, minor: 9 });
    expect(checkKafkaVersion('3.7.0')).toEqual({ major: 3, minor: 7 });
    expect(checkKafkaVersion('4.4.0')).toEqual({ major: 4, minor: 4 });
  });

  it.each(['latest', '4.4', '4.4.0-rc1', ' 4.4.0', ''])(
    'refuses %j as not MAJOR.MINOR.PATCH',
    (version) => {
      expect(() => checkKafkaVersion(version)).toThrow(InputError);
      expect(() => checkKafkaVersion(version)).toThrow(/is not of the form MAJOR\.MINOR\.PATCH/);
    },
  );

  it('refuses releases before 3.7, which lack combined KRaft nodes with kafka-tools', () => {
    expect(() => checkKafkaVersion('2.8.2')).toThrow(/^Kafka 2\.8\.2 is too old/);
    expect(() => checkKafkaVersion('3.6.0')).toThrow(/^Kafka 3\.6\.0 is too old/);
  });
});

describe('releaseOf', () => {
  it('reads major.minor from a version and from a metadata.version level', () => {
    expect(releaseOf('4.4.0')).toEqual([4, 4]);
    expect(releaseOf('3.9-IV0')).toEqual([3, 9]);
    expect(releaseOf('IV0')).toBeNull();
  });
});
