/** The walk over a partition's identities, in (producer, seq) order. */
import type { AnomalyCollector } from './anomaly-collector.js';
import { CHUNK, SeqChunk } from './columns.js';
import { Histogram } from './histogram.js';
import { OutageWalk } from './outages.js';
import type { PartitionState, Stream } from './partition-state.js';

const { PRODUCED, ACKED, IN_LOG, SEND_OK, MORE_SENDS } = SeqChunk;

/**
 * Every identity: loss, unacked-but-written, end-to-end latency; and, when the
 * partition's sends are one per identity from one producer in seq order (the
 * usual case), the outage walk too, without a second pass. One chunk per call.
 */
export class IdentityWalk {
  lost = 0;
  unackedWritten = 0;
  readonly endToEnd = new Histogram();
  /** null when the sends must be sorted first (several producers, or sends). */
  readonly outages: OutageWalk | null;
  sendsInSeqOrder = true;
  private previousSentAt = Number.NEGATIVE_INFINITY;
  /** An identity with several sends: the earliest sentAt of its acked ones. */
  private readonly earliestAcked = new Map<string, number>();

  constructor(
    private readonly p: PartitionState,
    private readonly hasLog: boolean,
    private readonly anomalies: AnomalyCollector,
  ) {
    this.outages =
      p.failed > 0 && p.streams.length === 1 && p.extraSends.length === 0 ? new OutageWalk() : null;
    for (const s of p.extraSends) {
      if (!s.ok) continue;
      const id = `${s.stream}:${s.seq}`;
      const known = this.earliestAcked.get(id);
      if (known === undefined || s.sentAt < known) this.earliestAcked.set(id, s.sentAt);
    }
  }

  chunk(stream: Stream, key: number, chunk: SeqChunk): void {
    const { flags, sentAt, endAt, firstReceivedAt } = chunk;
    const outages = this.outages;
    for (let i = 0; i < CHUNK; i++) {
      const f = flags[i]!;
      if (f === 0) continue;
      if (outages !== null && this.sendsInSeqOrder && (f & PRODUCED) !== 0) {
        const sent = sentAt[i]!;
        if (sent < this.previousSentAt) this.sendsInSeqOrder = false;
        else outages.visit(sent, endAt[i]!, (f & SEND_OK) !== 0);
        this.previousSentAt = sent;
      }
      if ((f & ACKED) !== 0) {
        let ackedSentAt = (f & SEND_OK) !== 0 ? sentAt[i]! : Number.POSITIVE_INFINITY;
        if ((f & MORE_SENDS) !== 0)
          ackedSentAt = this.earliest(stream, key * CHUNK + i, ackedSentAt);
        const received = firstReceivedAt[i]!;
        if (received === received) this.endToEnd.add(received - ackedSentAt);
        if (this.hasLog && (f & IN_LOG) === 0) this.addLost(stream, key * CHUNK + i, ackedSentAt);
      } else if ((f & (PRODUCED | IN_LOG)) === (PRODUCED | IN_LOG)) {
        this.unackedWritten += 1;
        stream.unackedWritten += 1;
      }
    }
  }

  private earliest(stream: Stream, seq: number, sentAt: number): number {
    const extra = this.earliestAcked.get(`${stream.index}:${seq}`);
    return extra !== undefined && extra < sentAt ? extra : sentAt;
  }

  private addLost(stream: Stream, seq: number, at: number): void {
    this.lost += 1;
    stream.lost += 1;
    this.anomalies.add({
      kind: 'lost',
      partition: this.p.partition,
      producer: stream.producer,
      seq,
      at,
    });
  }
}
