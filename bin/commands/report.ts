/**
 * `kafka-upgrade-verifier report RUN_DIR_OR_HISTORY`: the HTML report a person
 * opens (docs/report.md). Written next to the run's files, atomically: bad
 * input never leaves a half-written page.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../../functions/core/errors.js';
import { exitStatusFor } from '../../functions/core/history/index.js';
import { readReportData, renderHtmlReport } from '../../functions/core/report/index.js';
import { openHistory, sourceName } from '../history-input.js';
import { checkOutputPath, writeFileAtomically } from '../output.js';
import { parseAnalyzeArgs, tornTailOptions } from './analyze.js';
import { mskBrokersOf } from '../msk-metrics.js';
import type { Command } from './index.js';

const HELP = `usage: kafka-upgrade-verifier report RUN_DIR_OR_HISTORY [--out FILE] [--policy strict|tolerant]
                                     [--window-ms N] [--max-leader-skew X] [--allow-torn-tail]
                                     [--msk-arn ARN]

Writes one self-contained HTML page (no network needed to open it): the verdict
and why, a timeline of the run with broker restarts and anomalies, reachability,
balance before and after, the worst partitions, the anomalies and what to do next.

  RUN_DIR_OR_HISTORY   a run folder holding history.jsonl.gz, or a history file
                       (.jsonl, .gz), or - for standard input
  --out FILE           where to write (default RUN_DIR/report.html, <history>.html,
                       or report.html for standard input)
  --policy, --window-ms, --max-leader-skew, --allow-torn-tail   as for analyze
  --msk-arn ARN        as for analyze: adds the MSK broker traffic section

exit status: as analyze's (0 pass or warn, 1 fail, 2 bad input or usage, 3
inconclusive), once the page is written; on bad input no page is written; 4 the page
could not be written after the checks (a full disk, an unexpected error).
`;

const RUN_DIR_HISTORY = 'history.jsonl.gz';

/** The history to read and the default page for a RUN_DIR or a history path. */
export async function resolveInput(input: string): Promise<{ history: string; out: string }> {
  if (input === '-') return { history: '-', out: 'report.html' };
  const info = await stat(input).catch(() => null);
  if (info?.isDirectory()) {
    const history = join(input, RUN_DIR_HISTORY);
    if (!(await stat(history).catch(() => null))?.isFile()) {
      throw new UsageError(
        `report: folder '${input}' has no ${RUN_DIR_HISTORY}: give a run folder (with ${RUN_DIR_HISTORY}) or a history file`,
      );
    }
    return { history, out: join(input, 'report.html') };
  }
  return { history: input, out: `${input}.html` };
}

export const reportCommand: Command = {
  summary: 'write the HTML report of a run or a history (one file, opens offline)',
  async run(args) {
    let out: string | undefined;
    const rest: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      if (a === '--out' || a === '-o') {
        out = args[++i];
        if (out === undefined || out === '')
          throw new UsageError(`report: ${a} needs a file name\n\n${HELP}`);
      } else if (a.startsWith('--out=')) out = a.slice('--out='.length);
      else if (a === '--format' || a.startsWith('--format=')) {
        throw new UsageError(`report: unknown option '${a}'\n\n${HELP}`);
      } else rest.push(a);
    }
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(HELP);
      return 0;
    }
    let parsed;
    try {
      parsed = parseAnalyzeArgs(rest);
    } catch (error) {
      const message = (error as Error).message
        .replace(/^analyze: /, 'report: ')
        .replace(
          "'kafka-upgrade-verifier analyze --help'",
          "'kafka-upgrade-verifier report --help'",
        )
        .split('\n\n')[0]!;
      // A flag problem is one line with its own --help hint; the others get the usage.
      const text = message.includes("--help' lists") ? message : `${message}\n\n${HELP}`;
      throw new UsageError(text, { cause: error });
    }
    if (parsed === 'help') {
      process.stdout.write(HELP);
      return 0;
    }
    const input = await resolveInput(parsed.file);
    const target = out ?? input.out;
    await checkOutputPath('report', '--out', target);
    let torn = false;
    const chunks = await openHistory(
      input.history,
      tornTailOptions(parsed, () => (torn = true)),
    );
    const data = await readReportData(chunks, { source: sourceName(input.history) });
    const options = {
      policy: parsed.policy,
      windowMs: parsed.windowMs,
      maxLeaderSkew: parsed.maxLeaderSkew,
    };
    const mskBrokers =
      parsed.mskArn === null
        ? undefined
        : await mskBrokersOf(parsed.mskArn, data.analysis.report(options), {
            firstAt: data.timeline.firstAt,
            lastAt: data.timeline.lastAt,
          });
    const html = await renderHtmlReport(data, {
      ...options,
      generatedAt: Date.now(),
      ...(mskBrokers === undefined ? {} : { mskBrokers }),
    });
    await writeFileAtomically('report', '--out', target, html);
    const verdict = data.analysis.report(options).verdict;
    const mixed = data.analysis.mixedRuns;
    if (mixed !== null) process.stderr.write(`kafka-upgrade-verifier: note: ${mixed}\n`);
    process.stderr.write(
      `report: ${target} (${(Buffer.byteLength(html) / 1024).toFixed(0)} KiB), verdict ${verdict}${torn ? ' on what was kept before the cut-off last gzip member' : ''}\n`,
    );
    return exitStatusFor(verdict);
  },
};
