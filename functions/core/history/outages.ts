/**
 * A partition's longest outage (docs/history-format.md, "Latency and
 * availability": maxUnavailableMs), over its sends in (sentAt, producer, seq)
 * order.
 */
import { CHUNK, SeqChunk } from './columns.js';
import type { PartitionState } from './partition-state.js';

const { PRODUCED, SEND_OK } = SeqChunk;

/** A partition's sends as columns, in (sentAt, producer, seq) order (then endAt, failed first). */
interface Sends {
  sentAt: Float64Array;
  endAt: Float64Array;
  ok: Uint8Array;
  order: ArrayLike<number>;
}

function sendsInOrder(p: PartitionState): Sends {
  const n = p.produced;
  const sentAt = new Float64Array(n);
  const endAt = new Float64Array(n);
  const ok = new Uint8Array(n);
  const rank = new Uint32Array(n);
  const seqOf = new Float64Array(n);
  let j = 0;
  const streams = p.streamsByProducer();
  const rankOf = new Map(streams.map((s, r) => [s.index, r]));
  streams.forEach((stream, r) => {
    for (const key of stream.seqs.sortedKeys()) {
      const chunk = stream.seqs.peek(key)!;
      for (let i = 0; i < CHUNK; i++) {
        const f = chunk.flags[i]!;
        if ((f & PRODUCED) === 0) continue;
        sentAt[j] = chunk.sentAt[i]!;
        endAt[j] = chunk.endAt[i]!;
        ok[j] = (f & SEND_OK) !== 0 ? 1 : 0;
        rank[j] = r;
        seqOf[j] = key * CHUNK + i;
        j += 1;
      }
    }
  });
  for (const s of p.extraSends) {
    sentAt[j] = s.sentAt;
    endAt[j] = s.endAt;
    ok[j] = s.ok ? 1 : 0;
    rank[j] = rankOf.get(s.stream)!;
    seqOf[j] = s.seq;
    j += 1;
  }
  const compare = (a: number, b: number): number =>
    sentAt[a]! - sentAt[b]! ||
    rank[a]! - rank[b]! ||
    seqOf[a]! - seqOf[b]! ||
    endAt[a]! - endAt[b]! ||
    ok[a]! - ok[b]!;
  const order = new Uint32Array(n);
  let sorted = true;
  for (let k = 0; k < n; k++) {
    order[k] = k;
    if (k > 0 && sorted && compare(k - 1, k) > 0) sorted = false;
  }
  // Usually already in order: one producer whose sends go out in seq order.
  if (!sorted) order.sort(compare);
  return { sentAt, endAt, ok, order };
}

/**
 * The longest outage, over sends visited in (sentAt, producer, seq) order: an
 * outage starts at a failed send that follows an acked one (or starts the
 * partition) and ends at the ackedAt of the next acked send; one that never
 * ends runs to the last failedAt.
 */
export class OutageWalk {
  private longestMs = 0;
  private start = Number.NaN;
  private lastFailedAt = Number.NaN;

  visit(sentAt: number, endAt: number, ok: boolean): void {
    if (ok) {
      if (this.start === this.start) {
        this.longestMs = Math.max(this.longestMs, endAt - this.start);
        this.start = Number.NaN;
      }
    } else if (this.start !== this.start) {
      this.start = sentAt;
      this.lastFailedAt = endAt;
    } else {
      this.lastFailedAt = Math.max(this.lastFailedAt, endAt);
    }
  }

  longest(): number {
    const open = this.start === this.start ? this.lastFailedAt - this.start : 0;
    return Math.max(this.longestMs, open);
  }
}

/** The longest outage of a partition whose sends must be sorted first. */
export function maxUnavailableMs(p: PartitionState): number {
  const { sentAt, endAt, ok, order } = sendsInOrder(p);
  const walk = new OutageWalk();
  for (let k = 0; k < order.length; k++) {
    const j = order[k]!;
    walk.visit(sentAt[j]!, endAt[j]!, ok[j] === 1);
  }
  return walk.longest();
}
