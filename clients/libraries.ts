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
import { createHash } from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { cacheRoot } from '../rehearsal/paths.js';
import type { ClientDriver, ClientLaunch, LaunchContext } from './monitor.js';
import { NotMeasuredError } from './monitor.js';

/** Where the consumer sources (clients/java, clients/sarama) are: the repo or the installed package. */
export function clientSourcesDir(from = fileURLToPath(import.meta.url)): string {
  let dir = dirname(from);
  for (;;) {
    if (existsSync(join(dir, 'clients', 'java', 'CanaryConsumer.java')))
      return join(dir, 'clients');
    const up = dirname(dir);
    if (up === dir) {
      throw new NotMeasuredError(
        `the client sources (clients/java, clients/sarama) are not beside ${fileURLToPath(import.meta.url)}: a broken install?`,
        'reinstall kafka-upgrade-verifier',
      );
    }
    dir = up;
  }
}

export function clientsCacheDir(): string {
  return join(cacheRoot(), 'clients');
}

/** True when `command` runs (`command args` exits 0). */
export function runs(command: string, args: string[]): boolean {
  const r = spawnSync(command, args, { stdio: 'ignore', timeout: 20_000 });
  return r.error === undefined && r.status === 0;
}

function run(
  command: string,
  args: string[],
  cwd?: string,
): Promise<{ status: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.once('error', reject);
    child.once('close', (status) => resolve({ status: status ?? 1, output }));
  });
}

function digest(...parts: (string | Buffer)[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex').slice(0, 12);
}

/** Builds into `dir` once: `build(staging)` fills a staging folder renamed into place. */
async function buildOnce(dir: string, build: (staging: string) => Promise<void>): Promise<string> {
  if (existsSync(join(dir, 'complete'))) return dir;
  const staging = `${dir}.partial-${process.pid}`;
  mkdirSync(staging, { recursive: true });
  await build(staging);
  writeFileSync(join(staging, 'complete'), `${new Date().toISOString()}\n`);
  mkdirSync(dirname(dir), { recursive: true });
  try {
    renameSync(staging, dir);
  } catch {
    // Another process built it at the same time: theirs is as good.
    if (!existsSync(join(dir, 'complete'))) throw new Error(`could not move ${staging} to ${dir}`);
  }
  return dir;
}

export function firstLines(text: string, n = 3): string {
  return text.trim().split('\n').slice(0, n).join(' | ');
}

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

export function javaDriver(options: JavaDriverOptions): ClientDriver {
  return {
    name: 'java',
    async launch(context: LaunchContext): Promise<ClientLaunch> {
      if (!runs('java', ['-version']) || !runs('javac', ['-version'])) {
        throw new NotMeasuredError(
          'java and javac (a JDK, 17 or later) are needed to build and run the Java consumer',
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
      const source = join(clientSourcesDir(), 'java', 'CanaryConsumer.java');
      const code = readFileSync(source);
      const dir = await buildOnce(
        join(clientsCacheDir(), 'java', `${version}-${digest(code, libs)}`),
        async (staging) => {
          const r = await run('javac', ['-d', staging, '-cp', `${libs}/*`, source]);
          if (r.status !== 0) {
            throw new NotMeasuredError(
              `javac could not compile ${source}: ${firstLines(r.output)}`,
              null,
            );
          }
          writeFileSync(join(staging, 'log4j2.properties'), LOG4J2);
          writeFileSync(join(staging, 'log4j.properties'), LOG4J1);
        },
      );
      const hosts =
        context.dnsServer !== undefined && options.hostsFile !== null
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
          'CanaryConsumer',
          context.bootstrap,
          context.group,
          context.topic,
          context.profile,
        ],
        library: `java kafka-clients ${version}`,
        version,
        readyOn: 'ready',
      };
    },
  };
}

// ---------------------------------------------------------------- sarama (Go)

export function saramaVersion(goMod: string): string {
  return /github\.com\/IBM\/sarama\s+v([\w.-]+)/.exec(goMod)?.[1] ?? 'unknown';
}

export function saramaDriver(): ClientDriver {
  return {
    name: 'sarama',
    async launch(context: LaunchContext): Promise<ClientLaunch> {
      if (!runs('go', ['version'])) {
        throw new NotMeasuredError(
          'Go is not installed: the Sarama consumer is built with go build at first use',
          'install Go from https://go.dev/dl/ (or apt-get install -y golang-go)',
        );
      }
      const source = join(clientSourcesDir(), 'sarama');
      const files = ['go.mod', 'go.sum', 'main.go'].map((f) => readFileSync(join(source, f)));
      const version = saramaVersion(files[0]!.toString());
      const dir = await buildOnce(
        join(clientsCacheDir(), 'sarama', `${version}-${digest(...files)}`),
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
      return {
        command: join(dir, 'kuv-sarama'),
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
