/**
 * How a client secures its connections to a cluster, in one shape for the CLI, the core
 * and the Lambdas: `plaintext`, `tls` (a private CA or the system's), `sasl-scram`
 * (SCRAM-SHA-512 or -256 over TLS, as MSK serves on 9096) and `msk-iam` (Amazon MSK IAM
 * over TLS, OAUTHBEARER, 9098). Every mode but plaintext uses TLS.
 *
 * The password is held in a {@link Secret}: JSON.stringify, util.inspect, String() and
 * template literals all show `[redacted]`, so options can be logged or written into a
 * report without leaking it. Only {@link kafkaSecurityConfig} reads it, to hand it to
 * kafkajs.
 */
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';

import type { KafkaConfig, SASLOptions } from 'kafkajs';

import { InputError } from '../errors.js';
import { mskIamTokenProvider, type MskIamTokenProviderOptions } from './msk-iam.js';

export const SECURITY_PROTOCOLS = ['plaintext', 'tls', 'sasl-scram', 'msk-iam'] as const;
export type SecurityProtocol = (typeof SECURITY_PROTOCOLS)[number];

export const SCRAM_MECHANISMS = ['scram-sha-512', 'scram-sha-256'] as const;
export type ScramMechanism = (typeof SCRAM_MECHANISMS)[number];

const REDACTED = '[redacted]';

/** A secret string that never shows itself: only `reveal()` gives the value. */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
    Object.freeze(this);
  }

  reveal(): string {
    return this.#value;
  }

  toJSON(): string {
    return REDACTED;
  }

  toString(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}

/** What a person or a configuration gives, before it is checked. */
export interface SecurityInput {
  security?: string | undefined;
  /**
   * Path of a PEM file holding the private CA (or CAs) that signed the broker
   * certificates; read here unless `caPem` gives its text (then it only names it).
   */
  caFile?: string | undefined;
  /** The CA PEM as text (a Lambda gets it from Secrets Manager). */
  caPem?: string | undefined;
  /** Skip certificate and name verification. Only ever true when asked for by name. */
  tlsInsecure?: boolean | undefined;
  saslUsername?: string | undefined;
  saslPassword?: Secret | undefined;
  saslMechanism?: string | undefined;
  /** AWS region of the MSK cluster (msk-iam). */
  region?: string | undefined;
}

/** Checked security options: what createKafka, the prober and the reports take. */
export interface SecurityOptions {
  readonly security: SecurityProtocol;
  /** Where the CA PEM came from, for messages and reports (never its contents). */
  readonly caFile?: string;
  /** The CA PEM itself; absent: the system's trusted CAs. */
  readonly caPem?: string;
  readonly tlsInsecure: boolean;
  readonly saslUsername?: string;
  readonly saslPassword?: Secret;
  readonly saslMechanism?: ScramMechanism;
  readonly region?: string;
  /** Said loudly by every summary that shows these options (e.g. TLS verification off). */
  readonly securityWarnings: readonly string[];
}

export const PLAINTEXT: SecurityOptions = Object.freeze({
  security: 'plaintext',
  tlsInsecure: false,
  securityWarnings: Object.freeze([]) as readonly string[],
});

export const INSECURE_WARNING =
  'TLS verification is OFF (--tls-insecure): broker certificates and names are not checked, ' +
  'so anyone between this client and the cluster can read and change the traffic. Use --ca-file instead.';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

/** `--security` etc. as flags name them, so refusals say what to change. */
export const FLAG = {
  security: '--security',
  caFile: '--ca-file',
  tlsInsecure: '--tls-insecure',
  saslUsername: '--sasl-username',
  saslPassword: '--sasl-password-file (or KUV_SASL_PASSWORD)',
  saslMechanism: '--sasl-mechanism',
  region: '--region',
} as const;

/**
 * Fills in defaults and refuses contradictions, naming the flag. Never implies
 * `tlsInsecure`: it is true only when given as true.
 */
export function checkSecurityOptions(input: SecurityInput): SecurityOptions {
  const security = (input.security ?? 'plaintext').trim();
  if (!(SECURITY_PROTOCOLS as readonly string[]).includes(security)) {
    throw new InputError(
      `${FLAG.security} '${security}' is not a security mode; use one of ${SECURITY_PROTOCOLS.join(', ')}.`,
    );
  }
  const mode = security as SecurityProtocol;
  const refuse = (flag: string, why: string) =>
    new InputError(`${flag} does not go with ${FLAG.security} ${mode}: ${why}.`);
  const tlsOn = mode !== 'plaintext';
  const scram = mode === 'sasl-scram';
  if (!tlsOn) {
    if (input.caFile !== undefined || input.caPem !== undefined)
      throw refuse(FLAG.caFile, 'a plaintext connection has no TLS; use --security tls');
    if (input.tlsInsecure === true)
      throw refuse(FLAG.tlsInsecure, 'a plaintext connection has no TLS to verify');
  }
  const caPem = input.caPem ?? (input.caFile === undefined ? undefined : readCaFile(input.caFile));
  if (input.tlsInsecure === true && (input.caFile !== undefined || input.caPem !== undefined)) {
    throw new InputError(
      `${FLAG.tlsInsecure} and ${FLAG.caFile} contradict each other: with the cluster's CA, drop ${FLAG.tlsInsecure}.`,
    );
  }
  if (caPem !== undefined && !PEM_CERTIFICATE.test(caPem)) {
    throw new InputError(
      `${input.caFile === undefined ? 'the CA PEM text' : `${FLAG.caFile} ${input.caFile}`} holds no PEM certificate ` +
        "(a '-----BEGIN CERTIFICATE-----' block); give the CA certificate that signed the broker certificates.",
    );
  }
  if (!scram) {
    if (input.saslUsername !== undefined)
      throw refuse(FLAG.saslUsername, 'only sasl-scram takes a user name');
    if (input.saslPassword !== undefined)
      throw refuse(FLAG.saslPassword, 'only sasl-scram takes a password');
    if (input.saslMechanism !== undefined)
      throw refuse(FLAG.saslMechanism, 'only sasl-scram has a SCRAM mechanism');
  }
  if (mode !== 'msk-iam' && input.region !== undefined) {
    throw refuse(FLAG.region, 'only msk-iam signs for an AWS region');
  }
  const options: {
    -readonly [K in keyof SecurityOptions]: SecurityOptions[K];
  } = { security: mode, tlsInsecure: input.tlsInsecure === true, securityWarnings: [] };
  if (input.caFile !== undefined) options.caFile = input.caFile;
  if (caPem !== undefined) options.caPem = caPem;
  if (scram) {
    const username = input.saslUsername?.trim();
    if (username === undefined || username === '') {
      throw new InputError(`${FLAG.security} sasl-scram needs ${FLAG.saslUsername} NAME.`);
    }
    if (input.saslPassword === undefined || input.saslPassword.reveal() === '') {
      throw new InputError(
        `${FLAG.security} sasl-scram needs the password of '${username}': put it in a file given with ` +
          '--sasl-password-file FILE, or in the environment variable KUV_SASL_PASSWORD. ' +
          'It is never taken as a flag value (other users of the machine could read it).',
      );
    }
    const mechanism = (input.saslMechanism ?? 'scram-sha-512').toLowerCase();
    if (!(SCRAM_MECHANISMS as readonly string[]).includes(mechanism)) {
      throw new InputError(
        `${FLAG.saslMechanism} '${input.saslMechanism}' is not a SCRAM mechanism; use ${SCRAM_MECHANISMS.join(' or ')}.`,
      );
    }
    options.saslUsername = username;
    options.saslPassword = input.saslPassword;
    options.saslMechanism = mechanism as ScramMechanism;
  }
  if (mode === 'msk-iam') {
    const region = input.region?.trim();
    if (region === undefined || region === '') {
      throw new InputError(
        `${FLAG.security} msk-iam needs ${FLAG.region} (the MSK cluster's AWS region, e.g. eu-west-1): the token is signed for it.`,
      );
    }
    if (!REGION.test(region)) {
      throw new InputError(
        `${FLAG.region} '${region}' is not an AWS region name (e.g. eu-west-1).`,
      );
    }
    options.region = region;
  }
  if (options.tlsInsecure) options.securityWarnings = [INSECURE_WARNING];
  return Object.freeze({
    ...options,
    securityWarnings: Object.freeze([...options.securityWarnings]),
  });
}

function readCaFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new InputError(
      `${FLAG.caFile} ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); ` +
        "give the PEM file of the CA that signed the broker certificates (a local cluster's is in 'local-cluster status --json', security.caFile).",
      { cause: error },
    );
  }
}

/** The TLS settings a raw socket (the prober) uses: null for plaintext. */
export interface TlsSettings {
  /** The CA PEM; absent: the system's trusted CAs. */
  ca?: string;
  /** Verify the certificate chain and the name (false only with --tls-insecure). */
  verify: boolean;
}

export function tlsSettingsOf(options: SecurityOptions | undefined): TlsSettings | null {
  if (options === undefined || options.security === 'plaintext') return null;
  return {
    verify: !options.tlsInsecure,
    ...(options.caPem === undefined ? {} : { ca: options.caPem }),
  };
}

export interface KafkaSecurityDeps {
  /** Replaces how MSK IAM tokens are made (tests: a fixed credentials provider, a fake clock). */
  mskIam?: Omit<MskIamTokenProviderOptions, 'region'>;
}

/** The kafkajs `ssl` and `sasl` settings for these options: pure, apart from the IAM token cache. */
export function kafkaSecurityConfig(
  options: SecurityOptions,
  deps: KafkaSecurityDeps = {},
): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  const tls = tlsSettingsOf(options);
  if (tls === null) return {};
  const ssl = {
    rejectUnauthorized: tls.verify,
    ...(tls.ca === undefined ? {} : { ca: [tls.ca] }),
  };
  switch (options.security) {
    case 'sasl-scram': {
      const sasl: SASLOptions = {
        mechanism: options.saslMechanism ?? 'scram-sha-512',
        username: options.saslUsername!,
        password: options.saslPassword!.reveal(),
      };
      return { ssl, sasl };
    }
    case 'msk-iam':
      return {
        ssl,
        sasl: {
          mechanism: 'oauthbearer',
          oauthBearerProvider: mskIamTokenProvider({ ...deps.mskIam, region: options.region! }),
        },
      };
    default:
      return { ssl };
  }
}

/** One line for summaries: the mode, where the CA comes from, the user; never the password. */
export function describeSecurity(options: SecurityOptions): string {
  switch (options.security) {
    case 'plaintext':
      return 'plaintext (no TLS, no authentication)';
    case 'msk-iam':
      return `Amazon MSK IAM in ${options.region} over TLS (${trustOf(options)})`;
    case 'sasl-scram':
      return `SASL/${(options.saslMechanism ?? 'scram-sha-512').toUpperCase()} as '${options.saslUsername}' over TLS (${trustOf(options)})`;
    default:
      return `TLS (${trustOf(options)})`;
  }
}

function trustOf(options: SecurityOptions): string {
  if (options.tlsInsecure) return 'VERIFICATION OFF';
  return options.caFile !== undefined
    ? `CA ${options.caFile}`
    : options.caPem !== undefined
      ? 'CA from PEM text'
      : "the system's CAs";
}
