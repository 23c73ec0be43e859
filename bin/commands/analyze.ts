/** `kafka-upgrade-verifier analyze FILE`: analyse a canary history (docs/history-format.md). */
import { parseArgs } from 'node:util';
import { UsageError } from '../../functions/core/errors.js';
import {
  DEFAULT_WINDOW_MS,
  POLICIES,
  type Policy,
  analyzeHistory,
  exitStatusFor,
  formatText,
} from '../../functions/core/history/index.js';
import type { Command } from './index.js';

const HELP = `usage: kafka-upgrade-verifier analyze FILE [--format text|json] [--policy strict|tolerant] [--window-ms N]

Checks a canary history for lost, duplicated, reordered, redelivered and skipped
records and prints a verdict.

  FILE                 a history (JSON Lines), a .gz file, or - for standard input
  --format text|json   text: a one-screen summary (default); json: the full report
  --policy strict|tolerant
                       strict (default) fails on any reordering; tolerant only warns
                       on reordering inside a broker restart window
  --window-ms N        how long after a broker comes back its window lasts
                       (default ${DEFAULT_WINDOW_MS})

exit status: 0 pass or warn, 1 fail, 2 bad input or usage
`;

export interface AnalyzeArgs {
  file: string;
  format: 'text' | 'json';
  policy: Policy;
  windowMs: number;
}

/** Parses and checks analyze's arguments; throws UsageError naming the bad one. */
export function parseAnalyzeArgs(args: string[]): AnalyzeArgs | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        format: { type: 'string', default: 'text' },
        policy: { type: 'string', default: 'strict' },
        'window-ms': { type: 'string', default: String(DEFAULT_WINDOW_MS) },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError(`analyze: ${(error as Error).message}\n\n${HELP}`, { cause: error });
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  if (positionals.length !== 1) {
    throw new UsageError(
      `analyze: expected one FILE (a path, a .gz path, or - for standard input), got ${positionals.length === 0 ? 'none' : positionals.map((p) => `'${p}'`).join(' ')}\n\n${HELP}`,
    );
  }
  const format = values.format;
  if (format !== 'text' && format !== 'json') {
    throw new UsageError(`analyze: --format must be text or json, not '${format}'`);
  }
  const policy = values.policy as Policy;
  if (!POLICIES.includes(policy)) {
    throw new UsageError(`analyze: --policy must be strict or tolerant, not '${values.policy}'`);
  }
  const windowText = values['window-ms'];
  if (!/^\d+$/.test(windowText) || !Number.isSafeInteger(Number(windowText))) {
    throw new UsageError(
      `analyze: --window-ms must be a whole number of milliseconds ≥ 0, not '${windowText}'`,
    );
  }
  return { file: positionals[0]!, format, policy, windowMs: Number(windowText) };
}

export const analyzeCommand: Command = {
  summary: 'check a canary history for loss, duplicates, reordering, redelivery, skips',
  async run(args) {
    const parsed = parseAnalyzeArgs(args);
    if (parsed === 'help') {
      process.stdout.write(HELP);
      return 0;
    }
    const report = await analyzeHistory(parsed.file, {
      policy: parsed.policy,
      windowMs: parsed.windowMs,
    });
    process.stdout.write(
      parsed.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : formatText(report),
    );
    return exitStatusFor(report.verdict);
  },
};
