/**
 * Ctrl-C for the commands that run the canary (`run`, `rehearse`): the first SIGINT
 * ends the canary phase, a second one (or SIGTERM) aborts the run.
 */
import type { StatusView } from '../functions/core/canary/index.js';

/**
 * Ctrl-C as `run` reads it: the first SIGINT aborts `stopCanary` (and says `firstNote`),
 * a second one or SIGTERM aborts both. Call `dispose` when the run is over.
 */
export function listenForInterrupts(
  view: StatusView,
  firstNote = 'Ctrl-C: producing stops now; settling and verifying (Ctrl-C again to abort)',
): { stopCanary: AbortController; abort: AbortController; dispose: () => void } {
  const stopCanary = new AbortController();
  const abort = new AbortController();
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts += 1;
    if (signal === 'SIGINT' && interrupts === 1) {
      view.note(firstNote);
      stopCanary.abort();
    } else {
      view.note(`${signal}: aborting; the history so far is kept`);
      stopCanary.abort();
      abort.abort();
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    stopCanary,
    abort,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
