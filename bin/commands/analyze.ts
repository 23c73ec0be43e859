/** `kafka-upgrade-verifier analyze FILE`: analyse a canary history (docs/history-format.md). */
import { UsageError } from '../../functions/core/errors.js';
import {
  DEFAULT_MAX_LEADER_SKEW,
  DEFAULT_WINDOW_MS,
  POLICIES,
  type Policy,
  exitStatusFor,
  formatText,
  readHistory,
} from '../../functions/core/history/index.js';
import { readReportData } from '../../functions/core/report/index.js';
import { formatMskBrokers } from '../../functions/core/report/msk-brokers-text.js';
import { CLOUDWATCH_HELP, cloudwatchCluster, publishReportMetrics } from '../cloudwatch.js';
import { MSK_ARN_HELP, mskArnFlag, mskBrokersOf } from '../msk-metrics.js';
import { type OpenOptions, openHistory, sourceName } from '../history-input.js';
import type { Command } from './index.js';
import { parseFlags } from '../flags.js';

const HELP = `usage: kafka-upgrade-verifier analyze FILE [--format text|json] [--policy strict|tolerant]
                                      [--window-ms N] [--max-leader-skew X]
                                      [--allow-torn-tail] [--cloudwatch --cluster NAME]
                                      [--msk-arn ARN]

Checks a canary history for lost, duplicated, reordered, redelivered and skipped
records, broker reachability and leadership balance, and prints a verdict.

  FILE                 a history (JSON Lines), a .gz file, or - for standard input
  --format text|json   text: a one-screen summary (default); json: the full report
  --policy strict|tolerant
                       strict (default) fails on any reordering; tolerant only warns
                       on reordering inside a broker restart window
  --window-ms N        how long after a broker comes back its window lasts
                       (default ${DEFAULT_WINDOW_MS})
  --max-leader-skew X  warn when the final leader skew is above X (default ${DEFAULT_MAX_LEADER_SKEW};
                       1 is perfectly even)
  --allow-torn-tail    read a .gz history whose last gzip member is cut off (a run
                       killed while it wrote a slice) up to its last whole line;
                       without it such a history is refused (exit 2)
${CLOUDWATCH_HELP}${MSK_ARN_HELP}
exit status: 0 pass or warn, 1 fail, 2 bad input or usage, 3 inconclusive (the run
checked nothing it could decide on), 4 not carried out (the output could not be
written, an unexpected error). Only 0 is safe.
`;

export interface AnalyzeArgs {
  file: string;
  format: 'text' | 'json';
  policy: Policy;
  windowMs: number;
  maxLeaderSkew: number;
  /** Read a history whose last gzip member is cut off up to its last whole line. */
  allowTornTail: boolean;
  /** Publish the report's metrics for this cluster (--cloudwatch --cluster NAME), or null. */
  cloudwatchCluster: string | null;
  /** Also read the brokers' AWS/Kafka traffic of this MSK cluster (--msk-arn), or null. */
  mskArn: string | null;
}

/** Parses and checks analyze's arguments; throws UsageError naming the bad one. */
export function parseAnalyzeArgs(args: string[]): AnalyzeArgs | 'help' {
  const parsed = parseFlags('analyze', {
    args,
    allowPositionals: true,
    options: {
      format: { type: 'string', default: 'text' },
      policy: { type: 'string', default: 'strict' },
      'window-ms': { type: 'string', default: String(DEFAULT_WINDOW_MS) },
      'max-leader-skew': { type: 'string', default: String(DEFAULT_MAX_LEADER_SKEW) },
      'allow-torn-tail': { type: 'boolean', default: false },
      cloudwatch: { type: 'boolean', default: false },
      cluster: { type: 'string' },
      'msk-arn': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
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
  const skewText = values['max-leader-skew'];
  if (!/^\d+(\.\d+)?$/.test(skewText)) {
    throw new UsageError(
      `analyze: --max-leader-skew must be a number ≥ 0 such as 1.5 (1 is perfectly even), not '${skewText}'`,
    );
  }
  return {
    file: positionals[0]!,
    format,
    policy,
    windowMs: Number(windowText),
    maxLeaderSkew: Number(skewText),
    allowTornTail: values['allow-torn-tail'],
    cloudwatchCluster: cloudwatchCluster('analyze', values),
    mskArn: mskArnFlag('analyze', values['msk-arn']),
  };
}

/**
 * openHistory's options for a command's --allow-torn-tail: the note goes to standard
 * error and, through `seen`, to the caller, which marks its own output with it.
 */
export function tornTailOptions(parsed: AnalyzeArgs, seen?: (note: string) => void): OpenOptions {
  return {
    allowTornTail: parsed.allowTornTail,
    note: (line) => {
      process.stderr.write(`kafka-upgrade-verifier: ${line}\n`);
      seen?.(line);
    },
  };
}

export const analyzeCommand: Command = {
  summary: 'check a canary history: loss, duplicates, order, reachability, balance',
  async run(args) {
    const parsed = parseAnalyzeArgs(args);
    if (parsed === 'help') {
      process.stdout.write(HELP);
      return 0;
    }
    let torn: string | null = null;
    const chunks = await openHistory(
      parsed.file,
      tornTailOptions(parsed, (note) => (torn = note)),
    );
    const source = sourceName(parsed.file);
    // With --msk-arn the run's window needs the history's first and last times: the
    // report's one-pass reader collects them (and the analysis, the same).
    const data = parsed.mskArn === null ? null : await readReportData(chunks, { source });
    const analysis = data?.analysis ?? (await readHistory(chunks, { source }));
    const report = analysis.report({
      policy: parsed.policy,
      windowMs: parsed.windowMs,
      maxLeaderSkew: parsed.maxLeaderSkew,
    });
    const msk =
      data === null
        ? null
        : await mskBrokersOf(parsed.mskArn!, report, {
            firstAt: data.timeline.firstAt,
            lastAt: data.timeline.lastAt,
          });
    // A torn tail read with --allow-torn-tail, and run records of several runs, head the
    // summary too: the verdict is on what was kept, or on mixed runs. (The JSON report
    // stays the report; the notes are on standard error.)
    const warnings: string[] = [];
    if (torn !== null) warnings.push(String(torn).replace(/^note: /, ''));
    const mixed = analysis.mixedRuns;
    if (mixed !== null) {
      process.stderr.write(`kafka-upgrade-verifier: note: ${mixed}\n`);
      warnings.push(mixed);
    }
    const marked = warnings.map((w) => `WARNING: ${w}\n\n`).join('');
    process.stdout.write(
      parsed.format === 'json'
        ? `${JSON.stringify(msk === null ? report : { ...report, mskBrokers: msk }, null, 2)}\n`
        : `${marked}${formatText(report)}${msk === null ? '' : formatMskBrokers(msk)}`,
    );
    if (parsed.cloudwatchCluster !== null) {
      await publishReportMetrics(report, parsed.cloudwatchCluster, (line) =>
        process.stderr.write(`${line}\n`),
      );
    }
    return exitStatusFor(report.verdict);
  },
};
