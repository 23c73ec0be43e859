/**
 * librdkafka's producer beside the canary (issue 16, docs/clients.md "librdkafka
 * producer"): clients/librdkafka/producer.c, compiled at first use against the system's
 * librdkafka (Debian's, the one kcat uses) into the user cache, once per library version
 * and source digest. It speaks the producer protocol itself (`# settings` from
 * rd_kafka_conf_dump, `# sent`/`# acked`/`# failed` from its delivery reports), and runs
 * with the cluster's hosts file when the run resolves names through a DNS server, as kcat
 * does (withHostsFile).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { buildOnce, clientSourcesDir, clientsCacheDir, digest, firstLines, run } from './build.js';
import { withHostsFile } from './kcat.js';
import type { ClientLaunch, ProducerDriver, ProducerLaunchContext } from './monitor.js';
import { NotMeasuredError } from './monitor.js';

export interface LibrdkafkaProducerOptions {
  /** The hosts file bind-mounted on /etc/hosts (when a DNS server is in use). */
  hostsFile: string | null;
}

export const LIBRDKAFKA_HEADER = '/usr/include/librdkafka/rdkafka.h';
export const LIBRDKAFKA_INSTALL = 'apt-get install -y librdkafka-dev gcc';
const PROGRAM = 'kuv-librdkafka-producer';

/** The producer's arguments for a launch (docs/clients.md). */
export function librdkafkaProducerArgs(context: ProducerLaunchContext): string[] {
  return [
    '-b',
    context.bootstrap,
    '-t',
    context.topic,
    '-p',
    context.producer,
    '-r',
    context.runId,
    '-i',
    String(context.intervalMs),
    '-s',
    context.profile,
  ];
}

/** The version in the producer's `-V` text (`librdkafka 2.0.2`), i.e. rd_kafka_version_str(). */
export function librdkafkaVersion(versionText: string): string | null {
  return /^librdkafka\s+v?([\w.-]+)\s*$/m.exec(versionText)?.[1] ?? null;
}

/**
 * The version RD_KAFKA_VERSION in rdkafka.h says (0xMMmmrrpp: major, minor, revision,
 * pre-release; 0xff for a release), e.g. 0x020002ff -> 2.0.2; null when it is not one.
 */
export function headerVersion(header: string): string | null {
  const hex = /#define\s+RD_KAFKA_VERSION\s+0x([0-9a-fA-F]{8})\b/.exec(header)?.[1];
  if (hex === undefined) return null;
  const [major, minor, revision, pre] = [0, 2, 4, 6].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return `${major}.${minor}.${revision}${pre === 0xff ? '' : `-pre${pre}`}`;
}

/** The `-V` text a built producer printed, or a NotMeasuredError saying what it printed instead. */
async function versionOf(binary: string): Promise<string> {
  const r = await run(binary, ['-V']);
  const version = r.status === 0 ? librdkafkaVersion(r.output) : null;
  if (version === null) {
    throw new NotMeasuredError(
      `${binary} -V did not print librdkafka's version (exit ${r.status}): ${firstLines(r.output)}`,
      LIBRDKAFKA_INSTALL,
    );
  }
  return version;
}

/**
 * Compiles producer.c into the cache, once per librdkafka version and digest of the
 * source and header; the built program's `-V` says the version of the library it runs
 * against (rd_kafka_version_str()), which is the one measured.
 */
async function build(): Promise<{ binary: string; version: string }> {
  const source = join(clientSourcesDir(), 'librdkafka', 'producer.c');
  if (!existsSync(LIBRDKAFKA_HEADER)) {
    throw new NotMeasuredError(
      `the librdkafka headers (${LIBRDKAFKA_HEADER}) are not installed: the librdkafka producer is compiled at first use`,
      LIBRDKAFKA_INSTALL,
    );
  }
  const code = readFileSync(source);
  // The library's version names the folder; the header tells it without compiling.
  const header = readFileSync(LIBRDKAFKA_HEADER, 'utf8');
  const dir = await buildOnce(
    join(
      clientsCacheDir(),
      'librdkafka',
      `${headerVersion(header) ?? 'unknown'}-${digest(code, header)}`,
    ),
    async (staging) => {
      const out = join(staging, PROGRAM);
      const r = await run('cc', ['-O2', '-Wall', '-o', out, source, '-lrdkafka']).catch(
        (e: Error) => ({ status: 127, output: e.message }),
      );
      if (r.status === 127 && /ENOENT/.test(r.output)) {
        throw new NotMeasuredError(
          'no C compiler (cc): the librdkafka producer is compiled at first use',
          LIBRDKAFKA_INSTALL,
        );
      }
      if (r.status !== 0) {
        throw new NotMeasuredError(
          `cc could not compile ${source} against librdkafka: ${firstLines(r.output)}`,
          LIBRDKAFKA_INSTALL,
        );
      }
    },
  );
  const binary = join(dir, PROGRAM);
  return { binary, version: await versionOf(binary) };
}

export function librdkafkaProducerDriver(options: LibrdkafkaProducerOptions): ProducerDriver {
  return {
    name: 'librdkafka',
    async launch(context: ProducerLaunchContext): Promise<ClientLaunch> {
      const { binary, version } = await build();
      return {
        ...withHostsFile(
          options.hostsFile,
          context.dnsServer,
          binary,
          librdkafkaProducerArgs(context),
        ),
        library: `librdkafka ${version}`,
        version,
        readyOn: 'ready',
      };
    },
  };
}
