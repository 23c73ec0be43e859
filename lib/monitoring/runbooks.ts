/**
 * Where the runbook page of an alarmed metric is: docs/runbooks/<kebab-case name>.md,
 * one page per metric (docs/runbooks/README.md).
 */

/** `EndToEndLatencyP99Ms` → `end-to-end-latency-p99-ms`. */
export function kebabCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1-$2')
    .toLowerCase();
}

/** The repository path of a metric's runbook page. */
export function runbookPath(metricName: string): string {
  return `docs/runbooks/${kebabCase(metricName)}.md`;
}
