/**
 * The MSK part of the readiness check, fetched and judged: never throws, a cluster or
 * metrics that cannot be read are one `msk-unchecked` finding saying what to grant.
 */
import { gatherMsk, type MskClients } from './msk-gather.js';
import { mskRules, mskUnchecked } from './msk.js';
import type { Finding } from './rules.js';

export async function mskFindings(
  clusterArn: string,
  clients: MskClients,
  timeZone = 'UTC',
  now = Date.now(),
): Promise<Finding[]> {
  try {
    return mskRules(await gatherMsk(clusterArn, clients, now), timeZone, now);
  } catch (error) {
    return [mskUnchecked(clusterArn, error)];
  }
}
