/**
 * The flags of every command that looks at a live cluster once or in rounds (gate,
 * preflight, reachability): `--bootstrap`, `--dns-server`, the security flags,
 * `--topics A,B` / `--all-topics` and `--format`, parsed and checked in one place, each
 * refusal a UsageError of the form `<command>: <flag>: <problem>` followed by the help.
 * The command adds its own flags and checks the rest of `values`.
 */
import type { ParseArgsConfig } from 'node:util';

import { InputError, UsageError } from '../functions/core/errors.js';
import { parseDnsServer } from '../functions/core/kafka/dns.js';
import type { SecurityOptions } from '../functions/core/kafka/security.js';
import { parseEndpointList } from '../functions/core/probe/endpoint.js';
import { parseTopicList, type WatchedTopics } from '../functions/core/probe/metadata.js';
import { parseFlags } from './flags.js';
import { takeSecurityFlags } from './security-flags.js';

type Options = NonNullable<ParseArgsConfig['options']>;

const CLUSTER_OPTIONS = {
  bootstrap: { type: 'string' },
  'dns-server': { type: 'string' },
  topics: { type: 'string' },
  'all-topics': { type: 'boolean', default: false },
  format: { type: 'string', default: 'text' },
} as const;

export interface ClusterFlags {
  bootstrap: string;
  dnsServer: string | undefined;
  security: SecurityOptions;
  /** `--all-topics`: every topic; `--topics A,B`: those (deduplicated); neither: the command's default. */
  topics: WatchedTopics;
  format: 'text' | 'json';
}

/** The values parseArgs gives for the shared flags and the command's own `options`. */
type Values<O extends Options> = ReturnType<
  typeof parseFlags<{
    args: string[];
    allowPositionals: false;
    options: typeof CLUSTER_OPTIONS & O;
  }>
>['values'];

/**
 * Parses `args` (`--help`/`-h` anywhere: 'help'). `topicsByDefault` is what neither
 * `--topics` nor `--all-topics` means for this command.
 */
export function parseClusterCommand<O extends Options>(
  command: string,
  args: string[],
  options: O,
  help: string,
  topicsByDefault: WatchedTopics,
): { cluster: ClusterFlags; values: Values<O>; usage: (message: string) => UsageError } | 'help' {
  const usage = (message: string) => new UsageError(`${command}: ${message}\n\n${help}`);
  if (args.includes('--help') || args.includes('-h')) return 'help';
  let values: Values<O>;
  let security: SecurityOptions;
  try {
    const taken = takeSecurityFlags(args, command);
    security = taken.security;
    values = parseFlags(command, {
      args: taken.rest,
      allowPositionals: false,
      options: { ...CLUSTER_OPTIONS, ...options },
    }).values as Values<O>;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw usage((error as Error).message);
  }
  const shared = values as {
    bootstrap?: string;
    'dns-server'?: string;
    topics?: string;
    'all-topics': boolean;
    format: string;
  };
  const { bootstrap, 'dns-server': dnsServer, topics: topicList, format } = shared;
  if (bootstrap === undefined) throw usage('--bootstrap HOSTS is required');
  checkedFlag('--bootstrap', usage, () => parseEndpointList(bootstrap));
  if (dnsServer !== undefined) checkedFlag('--dns-server', usage, () => parseDnsServer(dnsServer));
  if (topicList !== undefined && shared['all-topics']) {
    throw usage('give --topics A,B or --all-topics, not both');
  }
  let topics = topicsByDefault;
  if (shared['all-topics']) topics = 'all';
  if (topicList !== undefined) {
    try {
      topics = parseTopicList('--topics', topicList);
    } catch (error) {
      throw usage((error as Error).message);
    }
  }
  if (format !== 'text' && format !== 'json') {
    throw usage(`--format must be text or json, not '${format}'`);
  }
  return { cluster: { bootstrap, dnsServer, security, topics, format }, values, usage };
}

/** Runs a parser of a flag's value; its InputError becomes a UsageError naming the flag. */
function checkedFlag<T>(flag: string, usage: (message: string) => UsageError, check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof UsageError) throw error;
    if (error instanceof InputError) throw usage(`${flag}: ${error.message}`);
    throw error;
  }
}
