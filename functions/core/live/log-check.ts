/**
 * The live checker's log part (issue 17): what the following reader (follower.ts)
 * finds in each canary partition's log, as it grows, against the acks the canary got.
 * The definitions are the analyzer's (docs/history-format.md), walked one record at a
 * time in offset order per partition:
 *
 * - duplicate: an identity (producer, seq) found again at a later offset; `at` is the
 *   later copy's log timestamp.
 * - outOfOrder: a record whose seq is below the highest seq its producer had on that
 *   partition at lower offsets, not seen before; `at` is its log timestamp.
 * - suspectedLoss: an acked send whose partition the reader has read past the acked
 *   offset without finding its identity; `at` is the send's sentAt. The final read-back
 *   confirms it (lost) or not; lossCleared when the reader finds it later after all.
 *
 * A re-read of offsets the reader has passed (after a rebalance) is ignored. The
 * reader's records are not history records: the final read-back writes the `log`
 * records the verdict is on.
 */
import type { LiveFinding, LiveFindingKind, LiveMetricValues } from './types.js';

/** Seqs per bit-set chunk of the following reader's seen identities. */
const SEQ_CHUNK = 4096;

/** The seqs of one (partition, producer) found in the log: chunked bit sets. */
class SeqBits {
  private readonly chunks = new Map<number, Uint32Array>();
  has(seq: number): boolean {
    const chunk = this.chunks.get(Math.floor(seq / SEQ_CHUNK));
    const i = seq - Math.floor(seq / SEQ_CHUNK) * SEQ_CHUNK;
    return chunk !== undefined && (chunk[i >>> 5]! & (1 << (i & 31))) !== 0;
  }
  add(seq: number): void {
    const key = Math.floor(seq / SEQ_CHUNK);
    let chunk = this.chunks.get(key);
    if (chunk === undefined) this.chunks.set(key, (chunk = new Uint32Array(SEQ_CHUNK / 32)));
    const i = seq - key * SEQ_CHUNK;
    chunk[i >>> 5]! |= 1 << (i & 31);
  }
}

/** An acked send the following reader has not passed yet. */
interface AwaitedAck {
  offset: number;
  producer: string;
  seq: number;
  sentAt: number;
}

/** One record of the log as the following reader found it. */
export interface FollowedRecord {
  partition: number;
  offset: number;
  producer: string;
  seq: number;
  /** The record's log timestamp (ms since the epoch). */
  timestamp: number;
}

/** How a finding is told: the live checker's `find`. */
export type Find = (
  kind: LiveFindingKind,
  at: number,
  detail: string,
  fields: Partial<LiveFinding>,
) => void;

export class LogCheck {
  /** Per partition: the offset the following reader reads next. */
  private readonly logNext = new Map<number, number>();
  /** Per (partition, producer): the seqs found in the log, and the highest. */
  private readonly logged = new Map<string, { seqs: SeqBits; max: number }>();
  /** Per partition: acked sends at or beyond the reader's position, oldest first. */
  private readonly awaited = new Map<number, AwaitedAck[]>();
  /** Suspected losses not cleared, by `partition producer seq`. */
  private readonly suspected = new Set<string>();
  private duplicates = 0;
  private outOfOrder = 0;

  constructor(private readonly find: Find) {}

  private loggedFor(partition: number, producer: string): { seqs: SeqBits; max: number } {
    const key = `${partition}\u0000${producer}`;
    let l = this.logged.get(key);
    if (l === undefined) this.logged.set(key, (l = { seqs: new SeqBits(), max: -Infinity }));
    return l;
  }

  /** An acked send: checked now when the reader has passed its offset, else when it does. */
  awaitAck(partition: number, ack: AwaitedAck): void {
    const next = this.logNext.get(partition);
    if (next !== undefined && ack.offset < next) {
      this.confirm(partition, ack);
      return;
    }
    let list = this.awaited.get(partition);
    if (list === undefined) this.awaited.set(partition, (list = []));
    list.push(ack);
  }

  private confirm(partition: number, ack: AwaitedAck): void {
    if (this.loggedFor(partition, ack.producer).seqs.has(ack.seq)) return;
    this.suspected.add(`${partition} ${ack.producer} ${ack.seq}`);
    this.find(
      'suspectedLoss',
      ack.sentAt,
      `acked seq ${ack.seq} of ${ack.producer} (partition ${partition} offset ${ack.offset}) is not in the log, which was read past that offset`,
      { partition, offset: ack.offset, producer: ack.producer, seq: ack.seq },
    );
  }

  /** One record the following reader found, in offset order per partition. */
  followed(r: FollowedRecord): void {
    const { partition, offset, producer, seq, timestamp } = r;
    const next = this.logNext.get(partition);
    // Read again after a rebalance: already checked.
    if (next !== undefined && offset < next) return;
    this.logNext.set(partition, offset + 1);
    const l = this.loggedFor(partition, producer);
    const fields = { partition, offset, producer, seq };
    if (l.seqs.has(seq)) {
      this.duplicates++;
      this.find(
        'duplicate',
        timestamp,
        `seq ${seq} of ${producer} is in partition ${partition}'s log again, at offset ${offset}`,
        fields,
      );
    } else {
      if (seq < l.max) {
        this.outOfOrder++;
        this.find(
          'outOfOrder',
          timestamp,
          `seq ${seq} of ${producer} is at offset ${offset} of partition ${partition}, after seq ${l.max}`,
          fields,
        );
      }
      l.seqs.add(seq);
      const key = `${partition} ${producer} ${seq}`;
      if (this.suspected.delete(key)) {
        this.find(
          'lossCleared',
          timestamp,
          `seq ${seq} of ${producer}, suspected lost, is in partition ${partition}'s log at offset ${offset} after all`,
          fields,
        );
      }
    }
    l.max = Math.max(l.max, seq);
    const list = this.awaited.get(partition);
    if (list === undefined) return;
    let passed = 0;
    while (passed < list.length && list[passed]!.offset <= offset) passed++;
    // Acks usually come in offset order; one that did not waits for the next record.
    for (const ack of list.splice(0, passed)) this.confirm(partition, ack);
  }

  /**
   * The following reader has read `partition` up to `end` (exclusive: its high
   * watermark when it caught up): every acked send below it is checked now. Only once
   * every record below `end` has been given to `followed`: later ones below it would be
   * taken for re-reads.
   */
  followedTo(partition: number, end: number): void {
    const next = this.logNext.get(partition) ?? -Infinity;
    if (end <= next) return;
    this.logNext.set(partition, end);
    const list = this.awaited.get(partition);
    if (list === undefined) return;
    const passed = list.filter((a) => a.offset < end);
    this.awaited.set(
      partition,
      list.filter((a) => a.offset >= end),
    );
    for (const ack of passed) this.confirm(partition, ack);
  }

  /** The log's live counts once the reader has read anything; none before. */
  liveMetricValues(): LiveMetricValues {
    if (this.logNext.size === 0) return {};
    return {
      // Suspected now (a cleared suspicion no longer counts).
      LostMessages: this.suspected.size,
      DuplicateMessages: this.duplicates,
      OutOfOrderMessages: this.outOfOrder,
    };
  }
}
