/**
 * Broker restarts and the windows after them (docs/history-format.md,
 * "Restarts and the window after them").
 */

export interface Restart {
  broker: number;
  downAt: number | null;
  upAt: number | null;
}

export interface AfterRestart {
  broker: number;
  /** anomaly time − upAt; negative while the broker was still down; null when it never came up. */
  ms: number | null;
}

interface BrokerEvent {
  up: boolean;
  at: number;
}

/** Collects `broker` events as they stream by; any order in the file gives the same restarts. */
export class RestartCollector {
  private readonly events = new Map<number, BrokerEvent[]>();

  add(broker: number, event: 'down' | 'up', at: number): void {
    let list = this.events.get(broker);
    if (list === undefined) {
      list = [];
      this.events.set(broker, list);
    }
    list.push({ up: event === 'up', at });
  }

  /**
   * Pairs each broker's events in time order (a `down` before an `up` at the
   * same time): a `down` then the next `up` is one restart; an `up` with no open
   * `down` has downAt null; a `down` followed by another `down`, or by nothing,
   * has upAt null. The restarts are the same whatever the order of the file;
   * their list is by broker in the order each broker first appears in the
   * history (as the spec's examples list them), each broker's in time order.
   */
  restarts(): Restart[] {
    const out: Restart[] = [];
    for (const [broker, list] of this.events) {
      list.sort((a, b) => a.at - b.at || Number(a.up) - Number(b.up));
      let openDown: number | null = null;
      for (const e of list) {
        if (!e.up) {
          if (openDown !== null) out.push({ broker, downAt: openDown, upAt: null });
          openDown = e.at;
        } else {
          out.push({ broker, downAt: openDown, upAt: e.at });
          openDown = null;
        }
      }
      if (openDown !== null) out.push({ broker, downAt: openDown, upAt: null });
    }
    return out;
  }
}

/** Finds the restart window that holds a time; the one with the latest start when several do. */
export class RestartWindows {
  private readonly windows: { restart: Restart; start: number; end: number }[];

  constructor(restarts: readonly Restart[], windowMs: number) {
    this.windows = restarts.map((restart) => ({
      restart,
      start: (restart.downAt ?? restart.upAt)!,
      end: restart.upAt === null ? Number.POSITIVE_INFINITY : restart.upAt + windowMs,
    }));
  }

  find(at: number): AfterRestart | null {
    let best: { restart: Restart; start: number } | null = null;
    for (const w of this.windows) {
      if (at >= w.start && at <= w.end && (best === null || w.start > best.start)) best = w;
    }
    if (best === null) return null;
    const { broker, upAt } = best.restart;
    return { broker, ms: upAt === null ? null : at - upAt };
  }

  /** How many of `times` (sorted ascending) no window holds. */
  countOutside(times: Float64Array): number {
    const spans = this.windows.map((w) => [w.start, w.end] as const).sort((a, b) => a[0] - b[0]);
    let inside = 0;
    let k = 0;
    while (k < spans.length) {
      const start = spans[k]![0];
      let end = spans[k]![1];
      // Merge overlapping windows so that no time is counted twice.
      while (++k < spans.length && spans[k]![0] <= end) end = Math.max(end, spans[k]![1]);
      inside += countBelow(times, end, true) - countBelow(times, start, false);
    }
    return times.length - inside;
  }
}

/** How many of ascending `values` are below x (or at most x, with `orEqual`). */
function countBelow(values: Float64Array, x: number, orEqual: boolean): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const v = values[mid]!;
    if (v < x || (orEqual && v === x)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
