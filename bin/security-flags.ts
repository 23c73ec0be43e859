/**
 * The security flags every command that connects to a cluster takes (reachability now;
 * run and rehearse with the same call): one call takes them out of the arguments and
 * returns checked SecurityOptions plus the arguments left for the command's own parser.
 *
 * ```ts
 * const { security, rest } = takeSecurityFlags(args, 'run');
 * ```
 *
 * The SASL password is never a flag value (every user of the machine can read a command
 * line): it comes from `--sasl-password-file FILE` or the environment variable
 * KUV_SASL_PASSWORD, and is held in a redacting Secret from there on.
 */
import { readFileSync } from 'node:fs';

import { InputError, UsageError } from '../functions/core/errors.js';
import {
  checkSecurityOptions,
  describeSecurity,
  Secret,
  SECURITY_PROTOCOLS,
  type SecurityOptions,
  type SecurityProtocol,
} from '../functions/core/kafka/security.js';

export const PASSWORD_ENV = 'KUV_SASL_PASSWORD';

export const SECURITY_HELP = `security (default plaintext):
  --security plaintext|tls|sasl-scram|msk-iam
                          tls: TLS only; sasl-scram: SCRAM over TLS (MSK 9096);
                          msk-iam: Amazon MSK IAM over TLS (MSK 9098)
  --ca-file FILE          PEM of the private CA that signed the broker certificates
                          (default: the system's trusted CAs)
  --tls-insecure          do not verify certificates or names (never implied; warned)
  --sasl-username NAME    SCRAM user
  --sasl-password-file F  file holding the SCRAM password (or set ${PASSWORD_ENV});
                          never given as a flag value
  --sasl-mechanism M      scram-sha-512 (default) or scram-sha-256
  --region R              AWS region of the MSK cluster (msk-iam; credentials from the
                          AWS SDK's default chain: AWS_PROFILE, ~/.aws, the role)
`;

const VALUED = new Set([
  'security',
  'ca-file',
  'sasl-username',
  'sasl-password-file',
  'sasl-mechanism',
  'region',
]);
const BOOLEAN = new Set(['tls-insecure']);

type Env = Readonly<Record<string, string | undefined>>;

export interface SecurityFlagsResult {
  security: SecurityOptions;
  /** The arguments that are not security flags, in their order. */
  rest: string[];
}

/** `--security` values, for commands that take only the mode (local-cluster start). */
export function parseSecurityProtocol(
  value: string,
  accepted: readonly SecurityProtocol[] = SECURITY_PROTOCOLS,
): SecurityProtocol {
  if (!(accepted as readonly string[]).includes(value)) {
    throw new InputError(`--security '${value}' is not one of ${accepted.join(', ')}.`);
  }
  return value as SecurityProtocol;
}

function readPassword(file: string): Secret {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new InputError(
      `--sasl-password-file ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}); ` +
        'give a file holding only the password.',
    );
  }
  return new Secret(text.replace(/\r?\n$/, ''));
}

/**
 * Takes the security flags out of `args` (`--flag value` and `--flag=value`, up to a
 * `--`), checks them, and returns the options and the other arguments. Throws
 * UsageError naming the command and the flag.
 */
export function takeSecurityFlags(
  args: readonly string[],
  command: string,
  env: Env = process.env,
): SecurityFlagsResult {
  const values = new Map<string, string | true>();
  const rest: string[] = [];
  const fail = (message: string) => new UsageError(`${command}: ${message}`);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      rest.push(...args.slice(i));
      break;
    }
    const match = /^--([a-z-]+)(?:=(.*))?$/s.exec(arg);
    const name = match?.[1];
    if (name === 'sasl-password') {
      throw fail(
        '--sasl-password is not accepted: a password on the command line can be read by every user of the machine. ' +
          `Put it in a file given with --sasl-password-file FILE, or in the environment variable ${PASSWORD_ENV}.`,
      );
    }
    if (name === undefined || (!VALUED.has(name) && !BOOLEAN.has(name))) {
      rest.push(arg);
      continue;
    }
    if (values.has(name)) throw fail(`--${name} is given twice; give it once.`);
    if (BOOLEAN.has(name)) {
      if (match![2] !== undefined) throw fail(`--${name} takes no value.`);
      values.set(name, true);
      continue;
    }
    const value = match![2] ?? args[++i];
    if (value === undefined || (match![2] === undefined && value.startsWith('--'))) {
      throw fail(`--${name} needs a value.`);
    }
    values.set(name, value);
  }
  const text = (name: string) => {
    const v = values.get(name);
    return typeof v === 'string' ? v : undefined;
  };
  const file = text('sasl-password-file');
  const fromEnv = env[PASSWORD_ENV];
  if (file !== undefined && fromEnv !== undefined && fromEnv !== '') {
    throw fail(
      `the SASL password is given twice, by --sasl-password-file and by ${PASSWORD_ENV}; give one.`,
    );
  }
  const scram = text('security') === 'sasl-scram';
  try {
    const password =
      file !== undefined
        ? readPassword(file)
        : scram && fromEnv !== undefined && fromEnv !== ''
          ? new Secret(fromEnv)
          : undefined;
    const security = checkSecurityOptions({
      security: text('security'),
      caFile: text('ca-file'),
      tlsInsecure: values.get('tls-insecure') === true,
      saslUsername: text('sasl-username'),
      saslPassword: password,
      saslMechanism: text('sasl-mechanism'),
      region: text('region'),
    });
    return { security, rest };
  } catch (error) {
    if (error instanceof InputError && !(error instanceof UsageError)) {
      throw fail(error.message);
    }
    throw error;
  }
}

/** What a command tells standard error about its connection: each security warning, and the mode when not plaintext. */
export function announceSecurity(command: string, security: SecurityOptions): void {
  for (const warning of security.securityWarnings) {
    process.stderr.write(`${command}: WARNING: ${warning}\n`);
  }
  if (security.security !== 'plaintext') {
    process.stderr.write(`${command}: connecting with ${describeSecurity(security)}\n`);
  }
}
