/**
 * `kafka-upgrade-verifier reachability --bootstrap HOSTS`: one round of reachability
 * probes and leaders snapshots, written as history records, and the analyzer's report
 * of them (docs/reachability.md).
 */

import {
  type Report,
  analyzeLines,
  exitStatusFor,
  formatText,
} from '../../functions/core/history/index.js';
import {
  certificatesOf,
  DEFAULT_CERT_WARN_DAYS,
} from '../../functions/core/history/text-report.js';
import type { SecurityOptions } from '../../functions/core/kafka/security.js';
import { reachabilityCheck } from '../../functions/core/probe/check.js';
import type { WatchedTopics } from '../../functions/core/probe/metadata.js';
import type { HistoryRecordOut } from '../../functions/core/probe/monitor.js';
import { checkOutputPath, writeFileAtomically } from '../output.js';
import { announceSecurity, SECURITY_HELP } from '../security-flags.js';
import { parseClusterCommand } from '../cluster-flags.js';
import type { Command } from './index.js';

const HELP = `usage: kafka-upgrade-verifier reachability --bootstrap HOSTS [--dns-server HOST:PORT]
         [--phase baseline|after] [--topics A,B | --all-topics] [--out FILE] [--format text|json]
         [--security MODE …] [--cert-warn-days N]

Probes every bootstrap endpoint and every broker the cluster advertises: DNS, TCP
connect, TLS handshake (with --security other than plaintext), Kafka ApiVersions, each timed. Snapshots partition leadership. Writes the
records (history JSON Lines) to FILE and prints the analyzer's report of them.

  --bootstrap HOSTS       host:port[,host:port…] as clients use it ([v6]:port for IPv6)
  --dns-server HOST:PORT  resolve names through this DNS server (default: the system resolver)
  --phase baseline|after  baseline: before an upgrade (default); after: once it is over
  --topics A,B            snapshot leadership of these topics
  --all-topics            snapshot every topic but Kafka's internal ones (the default)
  --out FILE              write the records here (replaced as a whole, checked before
                          any probe; never a link, FIFO or device); compare two runs with
                          cat before.jsonl after.jsonl | kafka-upgrade-verifier analyze -
  --format text|json      text: probe table and summary (default); json: the full report
  --cert-warn-days N      warn when a broker certificate expires within N days (default ${DEFAULT_CERT_WARN_DAYS})

${SECURITY_HELP}
exit status: 0 pass or warn, 1 fail (an unreachable broker or bootstrap endpoint,
an offline partition), 2 bad input or usage, or a security setting the cluster refused
(an untrusted certificate, a name mismatch, a wrong password: the message says which),
3 inconclusive, 4 not carried out (--out could not be written, an unexpected error)
`;

export interface ReachabilityArgs {
  bootstrap: string;
  dnsServer: string | undefined;
  phase: 'baseline' | 'after';
  topics: WatchedTopics;
  out: string | undefined;
  format: 'text' | 'json';
  security: SecurityOptions;
  certWarnDays: number;
}

/** Parses and checks reachability's flags; throws UsageError naming the bad one. */
export function parseReachabilityArgs(args: string[]): ReachabilityArgs | 'help' {
  const parsed = parseClusterCommand(
    'reachability',
    args,
    {
      phase: { type: 'string', default: 'baseline' },
      out: { type: 'string' },
      'cert-warn-days': { type: 'string' },
    },
    HELP,
    'all',
  );
  if (parsed === 'help') return 'help';
  const { cluster, values, usage } = parsed;
  const phase = values.phase;
  if (phase !== 'baseline' && phase !== 'after') {
    throw usage(`--phase must be baseline or after, not '${phase}'`);
  }
  if (values.out === '') throw usage('--out needs a file path');
  const warnText = values['cert-warn-days'];
  const certWarnDays = warnText === undefined ? DEFAULT_CERT_WARN_DAYS : Number(warnText);
  if (!Number.isInteger(certWarnDays) || certWarnDays < 0 || warnText?.trim() === '') {
    throw usage(`--cert-warn-days '${warnText}' is not a whole number of days (0 or more)`);
  }
  return { ...cluster, phase, out: values.out, certWarnDays };
}

/** The analyzer's report of the round's history lines (default policy, window and skew limit). */
export function reportOf(lines: readonly string[]): Report {
  return analyzeLines(lines, { source: 'reachability' });
}

function stage(s: unknown): string {
  const st = s as { ok: boolean; ms: number; error?: string } | null;
  if (st === null) return '-';
  return st.ok ? `${st.ms} ms` : `FAILED ${st.error ?? ''} (${st.ms} ms)`;
}

/** One line per probe: who, where it resolved, and each stage's time or failure. */
export function formatProbes(records: readonly HistoryRecordOut[]): string {
  const probes = records.filter((r) => r.type === 'probe');
  if (probes.length === 0) return '';
  const rows = probes.map((p) => {
    const dns = p.dns as { addresses?: string[] } | null;
    const who = p.role === 'broker' ? `broker ${String(p.broker)}` : 'bootstrap';
    return `  ${who.padEnd(10)} ${String(p.endpoint).padEnd(32)} ${(dns?.addresses ?? []).join(' ').padEnd(15)}  dns ${stage(p.dns)}, tcp ${stage(p.tcp)}${p.tls === undefined ? '' : `, tls ${stage(p.tls)}`}, kafka ${stage(p.kafka)}`;
  });
  return `PROBES (${String(probes[0]!.phase)})\n${rows.join('\n')}\n\n`;
}

export const reachabilityCommand: Command = {
  summary: 'probe DNS, TCP and Kafka of every broker and snapshot leadership, once',
  async run(args) {
    const parsed = parseReachabilityArgs(args);
    if (parsed === 'help') {
      process.stdout.write(HELP);
      return 0;
    }
    if (parsed.out !== undefined) await checkOutputPath('reachability', '--out', parsed.out);
    announceSecurity('reachability', parsed.security);
    const { records, problems, securityProblems } = await reachabilityCheck(parsed);
    for (const problem of problems) process.stderr.write(`reachability: note: ${problem}\n`);
    const lines = records.map((r) => JSON.stringify(r));
    if (parsed.out !== undefined) {
      await writeFileAtomically(
        'reachability',
        '--out',
        parsed.out,
        lines.map((l) => `${l}\n`).join(''),
      );
    } else {
      process.stderr.write(
        'reachability: note: the records were not kept; pass --out FILE to compare with a later check\n',
      );
    }
    const report = reportOf(lines);
    process.stdout.write(
      parsed.format === 'json'
        ? `${JSON.stringify(report, null, 2)}\n`
        : `${formatProbes(records)}${formatText(report, {
            certificates: certificatesOf(records),
            certWarnDays: parsed.certWarnDays,
          })}`,
    );
    if (securityProblems.length > 0) {
      for (const problem of securityProblems) {
        process.stderr.write(`reachability: security: ${problem}\n`);
      }
      return 2;
    }
    return exitStatusFor(report.verdict);
  },
};
