/**
 * A history sink that hands every record written on to a listener as well (the live
 * checker), so what is checked live is exactly what the history keeps. The listener
 * runs after the record is in the sink; a listener that throws is told once through
 * `onError` and is not called again, and the history is never affected.
 */
import type { HistoryRecordOut } from '../probe/monitor.js';
import type { HistorySink } from '../canary/sink.js';

export class TeeSink implements HistorySink {
  private broken = false;

  constructor(
    private readonly inner: HistorySink,
    private readonly onRecord: (record: HistoryRecordOut) => void,
    private readonly onError: (error: unknown) => void = () => {},
  ) {}

  get location(): string {
    return this.inner.location;
  }

  write(record: HistoryRecordOut): void {
    this.inner.write(record);
    if (this.broken) return;
    try {
      this.onRecord(record);
    } catch (error) {
      this.broken = true;
      this.onError(error);
    }
  }

  flush(): Promise<void> {
    return this.inner.flush();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
