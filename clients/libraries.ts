/**
 * The client libraries `--clients` can run beside the canary's own kafkajs group
 * (docs/clients.md): each a ClientDriver that builds its consumer at first use into
 * the user cache and says how to start it, under the run's settings profile
 * (clients/profiles.ts): `defaults`, the library as shipped (auto commit, a new group
 * starts at the latest offset), or `careful` (auto commit off and a commit after the
 * records are printed, from the earliest offset; kcat cannot commit by hand, so its
 * careful settings only ask librdkafka to auto-commit stored offsets sooner). Each
 * client's effective settings are written to the history: Java and Sarama print them
 * (`# settings`), kcat's come from `kcat -X dump` with the same arguments (kcat.ts).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  buildOnce,
  clientSourcesDir,
  clientsCacheDir,
  digest,
  firstLines,
  run,
  runs,
} from './build.js';
import type {
  ClientDriver,
  ClientLaunch,
  LaunchContext,
  ProducerDriver,
  ProducerLaunchContext,
} from './monitor.js';
import { NotMeasuredError } from './monitor.js';

// ---------------------------------------------------------------- java

export interface JavaDriverOptions {
  /** Folder of kafka-clients and its dependencies (the local cluster's jar cache). */
  libs: () => string | null;
  /** The hosts file the JVM resolves the cluster's names through (when a DNS server is in use). */
  hostsFile: string | null;
}

const LOG4J2 = [
  'status = error',
  'appender.err.type = Console',
  'appender.err.name = err',
  'appender.err.target = SYSTEM_ERR',
  'appender.err.layout.type = PatternLayout',
  'appender.err.layout.pattern = %d %p %c: %m%n',
  'rootLogger.level = warn',
  'rootLogger.appenderRef.err.ref = err',
  '',
].join('\n');

const LOG4J1 = [
  'log4j.rootLogger=WARN, err',
  'log4j.appender.err=org.apache.log4j.ConsoleAppender',
  'log4j.appender.err.Target=System.err',
  'log4j.appender.err.layout=org.apache.log4j.PatternLayout',
  'log4j.appender.err.layout.ConversionPattern=%d %p %c: %m%n',
  '',
].join('\n');

/**
 * Builds (once per kafka-clients version and source digest) every program in
 * clients/java and says how to run `mainClass` with `programArgs`: the JVM flags of
 * every Java client (small heap, names looked up again at once, the cluster's hosts
 * file when a DNS server is in use, logs on stderr).
 */
export async function javaProgram(
  options: JavaDriverOptions,
  dnsServer: string | undefined,
  mainClass: string,
  programArgs: string[],
): Promise<ClientLaunch> {
  if (!runs('java', ['-version']) || !runs('javac', ['-version'])) {
    throw new NotMeasuredError(
      'java and javac (a JDK, 17 or later) are needed to build and run the Java clients',
      'apt-get install -y openjdk-17-jdk-headless',
    );
  }
  const libs = options.libs();
  if (libs === null) {
    throw new NotMeasuredError(
      'the Apache Kafka jars (kafka-clients and its dependencies) are not in the cache',
      'kafka-upgrade-verifier local-cluster fetch',
    );
  }
  const clientsJar = readdirSync(libs).find((j) => /^kafka-clients-[\d.]+\.jar$/.test(j));
  const version = clientsJar?.replace(/^kafka-clients-|\.jar$/g, '') ?? 'unknown';
  const folder = join(clientSourcesDir(), 'java');
  const sources = readdirSync(folder)
    .filter((f) => f.endsWith('.java'))
    .sort()
    .map((f) => join(folder, f));
  const dir = await buildOnce(
    join(
      clientsCacheDir(),
      'java',
      `${version}-${digest(...sources.map((s) => readFileSync(s)), libs)}`,
    ),
    async (staging) => {
      const r = await run('javac', ['-d', staging, '-cp', `${libs}/*`, ...sources]);
      if (r.status !== 0) {
        throw new NotMeasuredError(
          `javac could not compile ${folder}: ${firstLines(r.output)}`,
          null,
        );
      }
      writeFileSync(join(staging, 'log4j2.properties'), LOG4J2);
      writeFileSync(join(staging, 'log4j.properties'), LOG4J1);
    },
  );
  const hosts =
    dnsServer !== undefined && options.hostsFile !== null
      ? [`-Djdk.net.hosts.file=${options.hostsFile}`]
      : [];
  return {
    command: 'java',
    args: [
      '-Xmx128m',
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      '-Djava.net.preferIPv4Stack=true',
      // Look names up again at once: a broker's address may move during the upgrade.
      '-Dsun.net.inetaddr.ttl=0',
      '-Dsun.net.inetaddr.negative.ttl=0',
      ...hosts,
      `-Dlog4j2.configurationFile=${join(dir, 'log4j2.properties')}`,
      `-Dlog4j.configuration=file:${join(dir, 'log4j.properties')}`,
      '-cp',
      `${dir}:${libs}/*`,
      mainClass,
      ...programArgs,
    ],
    library: `java kafka-clients ${version}`,
    version,
    readyOn: 'ready',
  };
}

export function javaDriver(options: JavaDriverOptions): ClientDriver {
  return {
    name: 'java',
    launch: (context: LaunchContext) =>
      javaProgram(options, context.dnsServer, 'CanaryConsumer', [
        context.bootstrap,
        context.group,
        context.topic,
        context.profile,
      ]),
  };
}

// ---------------------------------------------------------------- sarama (Go)

export function saramaVersion(goMod: string): string {
  return /github\.com\/IBM\/sarama\s+v([\w.-]+)/.exec(goMod)?.[1] ?? 'unknown';
}

/**
 * Builds kuv-sarama (clients/sarama: the consumer and, with `-role produce`, the
 * producer) once per Sarama version and source digest; its path and the version.
 */
async function saramaBinary(): Promise<{ path: string; version: string }> {
  if (!runs('go', ['version'])) {
    throw new NotMeasuredError(
      'Go is not installed: the Sarama clients are built with go build at first use',
      'install Go from https://go.dev/dl/ (or apt-get install -y golang-go)',
    );
  }
  const source = join(clientSourcesDir(), 'sarama');
  const names = readdirSync(source)
    .filter((f) => f === 'go.mod' || f === 'go.sum' || f.endsWith('.go'))
    .sort();
  const files = names.map((f) => readFileSync(join(source, f)));
  const version = saramaVersion(readFileSync(join(source, 'go.mod'), 'utf8'));
  const dir = await buildOnce(
    join(clientsCacheDir(), 'sarama', `${version}-${digest(...names, ...files)}`),
    async (staging) => {
      const r = await run('go', ['build', '-o', join(staging, 'kuv-sarama'), '.'], source);
      if (r.status !== 0) {
        throw new NotMeasuredError(
          `go build of ${source} failed (it fetches github.com/IBM/sarama through the Go module proxy the first time): ${firstLines(r.output)}`,
          null,
        );
      }
    },
  );
  return { path: join(dir, 'kuv-sarama'), version };
}

export function saramaDriver(): ClientDriver {
  return {
    name: 'sarama',
    async launch(context: LaunchContext): Promise<ClientLaunch> {
      const { path, version } = await saramaBinary();
      return {
        command: path,
        args: [
          '-bootstrap',
          context.bootstrap,
          '-group',
          context.group,
          '-topic',
          context.topic,
          '-settings',
          context.profile,
          ...(context.dnsServer === undefined ? [] : ['-dns-server', context.dnsServer]),
        ],
        library: `sarama ${version}`,
        version,
        readyOn: 'ready',
      };
    },
  };
}

/** The Sarama producer (clients/sarama/producer.go): kuv-sarama `-role produce`. */
export function saramaProducerDriver(): ProducerDriver {
  return {
    name: 'sarama',
    async launch(context: ProducerLaunchContext): Promise<ClientLaunch> {
      const { path, version } = await saramaBinary();
      return {
        command: path,
        args: [
          '-role',
          'produce',
          '-bootstrap',
          context.bootstrap,
          '-topic',
          context.topic,
          '-producer',
          context.producer,
          '-run-id',
          context.runId,
          '-interval-ms',
          `${context.intervalMs}`,
          '-settings',
          context.profile,
          ...(context.dnsServer === undefined ? [] : ['-dns-server', context.dnsServer]),
        ],
        library: `sarama ${version}`,
        version,
        readyOn: 'ready',
      };
    },
  };
}
