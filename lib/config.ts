/**
 * The CDK app's configuration: the JSON file that cdk.json's context key `config`
 * names (`-c config=FILE` for another), checked by the pure validator in
 * functions/core/config before anything is built. A bad file fails synth with a
 * message naming the file, the cluster and the field.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { InputError } from '../functions/core/errors.js';
import {
  jsonSyntaxProblem,
  parseVerifierConfig,
  type VerifierConfig,
} from '../functions/core/config/verifier-config.js';

/** The file cdk.json names; used when the context key `config` is unset. */
export const DEFAULT_CONFIG_FILE = 'verifier.config.json';

/** Reads and checks the configuration file `file` (relative to the working directory). */
export function loadVerifierConfig(file: string): VerifierConfig {
  let text: string;
  try {
    text = readFileSync(resolve(file), 'utf8');
  } catch (error) {
    throw new InputError(
      `${file}: cannot read the configuration file (${(error as Error).message}): ` +
        'give the file that lists your clusters with -c config=FILE (see docs/aws.md).',
      { cause: error },
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    // Not `cause`: JSON.parse's message quotes the file's text, which may hold a secret.
    throw new InputError(
      `${file}: is not JSON: ${jsonSyntaxProblem((error as Error).message, text)}`,
    );
  }
  return parseVerifierConfig(raw, file);
}

/** The configuration file named by the CDK context key `config` (default verifier.config.json). */
export function configFileFromContext(get: (key: string) => unknown): string {
  const file = get('config') ?? DEFAULT_CONFIG_FILE;
  if (typeof file !== 'string' || file.trim() === '') {
    throw new InputError(
      `CDK context 'config' is ${JSON.stringify(file)}: name the configuration file (-c config=verifier.config.json).`,
    );
  }
  return file;
}
