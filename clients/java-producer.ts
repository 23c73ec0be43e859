/**
 * The Java (kafka-clients) producer of the side-by-side clients (issue 16,
 * docs/clients.md "Java producer"): `clients/java/CanaryProducer.java`, built with the
 * other Java clients by javaProgram and run with the local cluster's cached jars. It
 * speaks the producer protocol: `# settings`, `# ready`, then `# sent` / `# acked` /
 * `# failed` per message on a fixed schedule, `# stopped` after SIGTERM.
 */
import { javaProgram, type JavaDriverOptions } from './libraries.js';
import {
  NotMeasuredError,
  type ClientLaunch,
  type ProducerDriver,
  type ProducerLaunchContext,
} from './monitor.js';

/** The longest interval CanaryProducer takes (it refuses more, exit 2). */
export const MAX_PRODUCER_INTERVAL_MS = 3_600_000;

/**
 * CanaryProducer's arguments, `BOOTSTRAP TOPIC PRODUCER RUNID INTERVALMS PROFILE`;
 * a context it would refuse is a NotMeasuredError naming the field, so the run goes on
 * and says why this producer did not run.
 */
export function javaProducerArgs(context: ProducerLaunchContext): string[] {
  const text: [string, string][] = [
    ['bootstrap', context.bootstrap],
    ['topic', context.topic],
    ['producer', context.producer],
    ['runId', context.runId],
  ];
  for (const [name, value] of text) {
    if (value.trim() === '') {
      throw new NotMeasuredError(
        `the Java producer cannot start: its ${name} is empty (a bug in the caller)`,
        null,
      );
    }
  }
  const { intervalMs } = context;
  if (!Number.isInteger(intervalMs) || intervalMs < 1 || intervalMs > MAX_PRODUCER_INTERVAL_MS) {
    throw new NotMeasuredError(
      `the Java producer cannot start: intervalMs must be a whole number of milliseconds from 1 to ${MAX_PRODUCER_INTERVAL_MS}, not ${intervalMs}`,
      null,
    );
  }
  return [
    context.bootstrap,
    context.topic,
    context.producer,
    context.runId,
    String(intervalMs),
    context.profile,
  ];
}

export function javaProducerDriver(options: JavaDriverOptions): ProducerDriver {
  return {
    name: 'java',
    launch: async (context: ProducerLaunchContext): Promise<ClientLaunch> => {
      const args = javaProducerArgs(context);
      return javaProgram(options, context.dnsServer, 'CanaryProducer', args);
    },
  };
}
