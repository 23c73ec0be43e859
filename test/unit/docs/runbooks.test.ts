/**
 * The runbooks are what a person on call reads at 3 a.m.: every alarmed metric
 * must have its page, every page the same four sections, and no link may lead
 * nowhere.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const RUNBOOKS = fileURLToPath(new URL('../../../docs/runbooks/', import.meta.url));

/** Every CloudWatch metric that has an alarm (shared/DESIGN.md, "Names"). */
const METRICS = [
  'LostMessages',
  'DuplicateMessages',
  'OutOfOrderMessages',
  'RedeliveredMessages',
  'SkippedMessages',
  'ProduceErrors',
  'MaxUnavailableMs',
  'LongestProduceStallMs',
  'EndToEndLatencyP99Ms',
  'UnreachableBrokers',
  'UnreachableBootstrap',
  'DnsFailures',
  'BrokerAddressChanges',
  'IpLiteralEndpoints',
  'LeaderSkew',
  'UnderReplicatedPartitions',
  'OfflinePartitions',
  'InconsistentOffsets',
  'VerificationFailed',
  'VerificationInconclusive',
];

/** The words the verdict rules use (shared/spec/history.md, "Verdict"). */
const VERDICT_REASONS = [
  'lost',
  'duplicates',
  'outOfOrder',
  'redelivered',
  'skipped',
  'inconsistentOffsets',
  'unreachableBrokers',
  'unreachableBootstrap',
  'dnsFailures',
  'brokerAddressChanges',
  'ipLiteralEndpoints',
  'underReplicated',
  'offline',
  'leaderSkew',
  'inconclusive',
];

const SECTIONS = [
  '## What it means',
  '## How to confirm it',
  '## What to do',
  '## When to roll back / escalate',
];

/** `LostMessages` → `lost-messages`, `EndToEndLatencyP99Ms` → `end-to-end-latency-p99-ms`. */
function kebab(metric: string): string {
  return metric.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

function read(file: string): string {
  return readFileSync(join(RUNBOOKS, file), 'utf8');
}

/** Markdown files under a folder, as paths relative to it. */
function markdownFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const rel = prefix + entry.name;
    if (entry.isDirectory()) return markdownFiles(join(dir, entry.name), `${rel}/`);
    return entry.name.endsWith('.md') ? [rel] : [];
  });
}

/** Inline links and images `[text](target)` outside fenced code blocks. */
function links(markdown: string): string[] {
  const prose = markdown.replace(/^```[\s\S]*?^```/gm, '');
  return [...prose.matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1] ?? '');
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function anchors(markdown: string): Set<string> {
  const prose = markdown.replace(/^```[\s\S]*?^```/gm, '');
  const headings = [...prose.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)].map((m) => m[1] ?? '');
  return new Set(
    headings.map((h) =>
      h
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, '')
        .replace(/\s/g, '-'),
    ),
  );
}

describe('kebab', () => {
  it('turns metric names into page names', () => {
    expect(kebab('LostMessages')).toBe('lost-messages');
    expect(kebab('EndToEndLatencyP99Ms')).toBe('end-to-end-latency-p99-ms');
    expect(kebab('IpLiteralEndpoints')).toBe('ip-literal-endpoints');
  });
});

describe('runbooks', () => {
  it.each(METRICS)('%s has a page with its name as title and the four sections', (metric) => {
    const file = `${kebab(metric)}.md`;
    expect(existsSync(join(RUNBOOKS, file)), `docs/runbooks/${file} is missing`).toBe(true);
    const page = read(file);
    expect(page.split('\n')[0]).toBe(`# ${metric}`);
    const positions = SECTIONS.map((s) => page.search(new RegExp(`^${s}\\s*$`, 'm')));
    for (const [i, pos] of positions.entries())
      expect(pos, `${file} lacks "${SECTIONS[i]}"`).toBeGreaterThan(0);
    expect(
      [...positions].sort((a, b) => a - b),
      `${file}: sections out of order`,
    ).toEqual(positions);
  });

  it('the index links every page and names every verdict reason', () => {
    const index = read('README.md');
    for (const metric of METRICS) {
      expect(index, `README.md does not link ${kebab(metric)}.md`).toContain(
        `](${kebab(metric)}.md)`,
      );
      expect(index).toContain(`\`${metric}\``);
    }
    for (const reason of VERDICT_REASONS) expect(index).toContain(`\`${reason}\``);
  });

  it('has no page the index does not list', () => {
    const pages = markdownFiles(RUNBOOKS).filter((f) => f !== 'README.md');
    expect(pages.sort()).toEqual(METRICS.map((m) => `${kebab(m)}.md`).sort());
  });

  it('every relative link resolves to an existing file (and heading)', () => {
    const broken: string[] = [];
    for (const file of markdownFiles(RUNBOOKS)) {
      for (const target of links(read(file))) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http:, https:, mailto:
        const [path = '', anchor] = target.split('#');
        const resolved =
          path === '' ? join(RUNBOOKS, file) : resolve(dirname(join(RUNBOOKS, file)), path);
        if (!existsSync(resolved)) {
          broken.push(`${file}: ${target}`);
          continue;
        }
        if (anchor !== undefined && resolved.endsWith('.md')) {
          if (!anchors(readFileSync(resolved, 'utf8')).has(anchor))
            broken.push(`${file}: ${target} (no such heading)`);
        }
      }
    }
    expect(broken).toEqual([]);
  });
});
