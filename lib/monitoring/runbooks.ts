/**
 * Where the runbook page of an alarmed metric is: docs/runbooks/<kebab-case name>.md,
 * one page per metric (docs/runbooks/README.md).
 */

/**
 * Pages named otherwise than their metric. The catalogue calls the metric
 * UnreachableBootstrapEndpoints; the runbooks call it UnreachableBootstrap.
 */
const PAGE_NAMED_OTHERWISE: Readonly<Record<string, string>> = {
  UnreachableBootstrapEndpoints: 'unreachable-bootstrap',
};

/** `EndToEndLatencyP99Ms` → `end-to-end-latency-p99-ms`. */
export function kebabCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1-$2')
    .toLowerCase();
}

/** The repository path of a metric's runbook page. */
export function runbookPath(metricName: string): string {
  return `docs/runbooks/${PAGE_NAMED_OTHERWISE[metricName] ?? kebabCase(metricName)}.md`;
}
