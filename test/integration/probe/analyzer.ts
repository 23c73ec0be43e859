/**
 * Whether this tree's analyzer already reports `reachability` and `balance`
 * (docs/history-format.md): the analyzer is being extended in parallel, and the
 * tests that read those report sections skip, saying so, until it does.
 */
import { reportOf } from '../../../bin/commands/reachability.js';

const PROBE = JSON.stringify({
  type: 'probe',
  endpoint: 'b-1.example:9092',
  role: 'broker',
  broker: 1,
  phase: 'baseline',
  at: 1,
  dns: { ok: true, ms: 0, addresses: ['10.0.0.1'] },
  tcp: { ok: true, ms: 0, address: '10.0.0.1' },
  kafka: { ok: true, ms: 0 },
});

export const ANALYZER_REPORTS_REACHABILITY = 'reachability' in reportOf([PROBE]);
export const NO_REACHABILITY_REASON =
  "this tree's analyzer has no reachability/balance report yet (functions/core/history)";
