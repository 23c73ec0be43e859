/**
 * The commands' flag parsing: node's parseArgs, with its errors rewritten as one line
 * that names the flag and says what to do, not a paragraph of parser wording and the
 * whole usage text. `--duration -5m` is the common case: parseArgs calls it
 * "ambiguous", when what the person needs to hear is that durations cannot be negative.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

import { UsageError } from '../functions/core/errors.js';

/** The flag a parseArgs message quotes: `--duration` from "Option '--duration <value>' …". */
function quotedFlag(message: string): string | null {
  const match = /'(-{1,2}[^' <]+)/.exec(message);
  return match === null ? null : match[1]!;
}

/** The argument after `flag` in `args` (the value parseArgs refused), or null. */
function valueAfter(args: readonly string[], flag: string): string | null {
  const at = args.indexOf(flag);
  return at >= 0 && at + 1 < args.length ? args[at + 1]! : null;
}

/** One line for a parseArgs error, after `<command>: `. */
export function flagProblem(error: unknown, args: readonly string[], command: string): string {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  const flag = quotedFlag(message);
  const help = `'kafka-upgrade-verifier ${command} --help' lists the flags`;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && flag !== null) {
    return `unknown flag ${flag}; ${help}`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && flag !== null) {
    if (/ambiguous/.test(message)) {
      const value = valueAfter(args, flag) ?? '';
      return (
        `${flag} ${value}: the value starts with '-', so it reads as a flag. ` +
        `Durations, counts and ports cannot be negative; a value that does start with '-' (a topic name) is written ${flag}=${value}`
      );
    }
    if (/missing/.test(message)) return `${flag} needs a value; ${help}`;
    if (/does not take an argument/.test(message)) {
      return `${flag} is a switch and takes no value; ${help}`;
    }
  }
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    const match = /'([^']*)'/.exec(message);
    return `unexpected argument ${match === null ? '' : `'${match[1]}' `}(this command takes flags only); ${help}`;
  }
  return `${message.split('\n')[0]}; ${help}`;
}

/** parseArgs whose errors are UsageErrors of one line, `<command>: <problem>`. */
export function parseFlags<T extends ParseArgsConfig>(
  command: string,
  config: T,
): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    throw new UsageError(`${command}: ${flagProblem(error, config.args ?? [], command)}`, {
      cause: error,
    });
  }
}
