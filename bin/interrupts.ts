/**
 * Ctrl-C for the commands that run the canary (`run`, `rehearse`): the first SIGINT
 * ends the canary phase, a second one (or SIGTERM) aborts the run.
 */
import type { StatusView } from '../functions/core/canary/index.js';

/**
 * Ctrl-C as `run` reads it: the first SIGINT aborts `stopCanary` (and says `firstNote`),
 * a second one or SIGTERM aborts both. Before the canary has started (the start-up
 * check: the view has shown no state yet) any signal aborts both: there is nothing to
 * settle or verify. Each abort's reason is the signal's name, so the run's exit status
 * can say which (130 for SIGINT, 143 for SIGTERM). Call `dispose` when the run is over.
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
    if (!view.started) {
      if (interrupts === 1) view.note(`${signal}: stopping before the canary started`);
      stopCanary.abort(signal);
      abort.abort(signal);
    } else if (signal === 'SIGINT' && interrupts === 1) {
      view.note(firstNote);
      stopCanary.abort(signal);
    } else {
      view.note(`${signal}: aborting; the history so far is kept`);
      stopCanary.abort(signal);
      abort.abort(signal);
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
