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
  order: number;
}

/** Collects `broker` events as they stream by; any order in the file is fine. */
export class RestartCollector {
  private readonly events = new Map<number, BrokerEvent[]>();
  private order = 0;

  add(broker: number, event: 'down' | 'up', at: number): void {
    let list = this.events.get(broker);
    if (list === undefined) {
      list = [];
      this.events.set(broker, list);
    }
    list.push({ up: event === 'up', at, order: this.order++ });
  }

  /**
   * Pairs each broker's events in time order: a `down` then the next `up` is one
   * restart; an `up` with no open `down` has downAt null; a `down` followed by
   * another `down`, or by nothing, has upAt null. Brokers come in the order they
   * first appear in the history, each broker's restarts in time order.
   */
  restarts(): Restart[] {
    const out: Restart[] = [];
    for (const [broker, list] of this.events) {
      list.sort((a, b) => a.at - b.at || a.order - b.order);
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
}
