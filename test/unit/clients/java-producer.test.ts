import { afterEach, describe, expect, it } from 'vitest';

import { javaProducerArgs, javaProducerDriver } from '../../../clients/java-producer.js';
import { NotMeasuredError, type ProducerLaunchContext } from '../../../clients/monitor.js';

const context: ProducerLaunchContext = {
  bootstrap: 'broker-1.kafka.test:9092,broker-2.kafka.test:9092',
  dnsServer: '127.0.0.1:15353',
  topic: 'kuv-canary',
  profile: 'defaults',
  runId: 'r-3f9a1c07',
  producer: 'kuv-java',
  intervalMs: 200,
};

function refusal(change: Partial<ProducerLaunchContext>): unknown {
  try {
    javaProducerArgs({ ...context, ...change });
  } catch (error) {
    return error;
  }
  return null;
}

describe('javaProducerArgs', () => {
  it('passes BOOTSTRAP TOPIC PRODUCER RUNID INTERVALMS PROFILE in that order', () => {
    expect(javaProducerArgs(context)).toEqual([
      'broker-1.kafka.test:9092,broker-2.kafka.test:9092',
      'kuv-canary',
      'kuv-java',
      'r-3f9a1c07',
      '200',
      'defaults',
    ]);
    expect(javaProducerArgs({ ...context, profile: 'careful', intervalMs: 1 }).slice(4)).toEqual([
      '1',
      'careful',
    ]);
  });

  it('refuses what CanaryProducer would refuse, naming the field', () => {
    for (const intervalMs of [0, -5, 2.5, Number.NaN, 3_600_001]) {
      const error = refusal({ intervalMs });
      expect(error, String(intervalMs)).toBeInstanceOf(NotMeasuredError);
      expect((error as NotMeasuredError).reason).toMatch(
        /intervalMs must be a whole number of milliseconds from 1 to 3600000/,
      );
    }
    for (const field of ['bootstrap', 'topic', 'producer', 'runId'] as const) {
      const error = refusal({ [field]: ' ' });
      expect(error, field).toBeInstanceOf(NotMeasuredError);
      expect((error as NotMeasuredError).reason).toContain(`its ${field} is empty`);
    }
  });
});

describe('javaProducerDriver', () => {
  const path = process.env.PATH;
  afterEach(() => {
    process.env.PATH = path;
  });

  it('is the java producer, not measured without a JDK, with the install command', async () => {
    const driver = javaProducerDriver({ libs: () => '/nonexistent', hostsFile: null });
    expect(driver.name).toBe('java');
    process.env.PATH = '/nonexistent';
    const error = await driver.launch(context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotMeasuredError);
    expect((error as NotMeasuredError).reason).toMatch(/java and javac/);
    expect((error as NotMeasuredError).install).toMatch(/openjdk-17-jdk/);
  });

  it('refuses a bad context before looking for a JDK', async () => {
    const driver = javaProducerDriver({ libs: () => null, hostsFile: null });
    const error = await driver.launch({ ...context, intervalMs: 0 }).catch((e: unknown) => e);
    expect((error as NotMeasuredError).reason).toMatch(/intervalMs/);
  });
});
