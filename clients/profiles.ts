/**
 * `--client-settings defaults|careful` (docs/clients.md): how the side-by-side client
 * libraries are configured. `defaults` is each library's shipped configuration, as an
 * application that sets only the bootstrap list and the group runs it (auto commit on,
 * a new group starting at the latest offset); `careful` commits after each record and
 * starts a new group at the earliest offset. The kafkajs canary consumer is the
 * verifier's own and runs the same under both.
 */
import { UsageError } from '../functions/core/errors.js';

export const CLIENT_SETTINGS_PROFILES = ['defaults', 'careful'] as const;
export type ClientSettingsProfile = (typeof CLIENT_SETTINGS_PROFILES)[number];
export const DEFAULT_CLIENT_SETTINGS: ClientSettingsProfile = 'defaults';

/** `--client-settings VALUE`; anything else is a UsageError naming the choices. */
export function parseClientSettings(text: string, command = 'run'): ClientSettingsProfile {
  const value = text.trim().toLowerCase();
  if ((CLIENT_SETTINGS_PROFILES as readonly string[]).includes(value)) {
    return value as ClientSettingsProfile;
  }
  throw new UsageError(
    `${command}: --client-settings has '${text}'; choose defaults (each library as shipped: auto commit, new groups start at the latest offset) or careful (commit right after the records are processed, new groups start at the earliest offset)`,
  );
}

/** Effective settings of a client, as it reported them: name → value. */
export type ClientSettings = Record<string, string>;

/**
 * Whether a client with these effective settings starts a new group at the end of the
 * log (Java/librdkafka `auto.offset.reset` latest/largest/end, Sarama
 * `Consumer.Offsets.Initial` OffsetNewest): it never receives what was written before
 * it was positioned.
 */
export function startsAtLatest(settings: ClientSettings | null): boolean {
  if (settings === null) return false;
  const reset = settings['auto.offset.reset'];
  if (reset !== undefined) return ['latest', 'largest', 'end'].includes(reset);
  return settings['Consumer.Offsets.Initial'] === 'OffsetNewest';
}
