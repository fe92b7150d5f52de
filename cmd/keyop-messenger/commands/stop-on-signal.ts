/** Long-running verbs (`tail`, `cat --follow`, `sk workers`): the first SIGINT or SIGTERM stops them, a second exits at once. */
import { systemClock } from '../../../internal/clock/index.js';
import { silentLogger } from '../../../internal/logger/index.js';
import { watchStopSignals } from '../daemon/stop-signals.js';

/** How long closing may take after the first signal; a second signal exits at once. */
const CLOSE_DEADLINE_MS = 5_000;

/** Aborts `stop` on the first SIGINT or SIGTERM. */
export function abortOnStopSignal(stop: AbortController): void {
  void watchStopSignals({
    source: process,
    logger: silentLogger,
    clock: systemClock,
    deadlineMs: CLOSE_DEADLINE_MS,
    forceExit: (code) => process.exit(code),
  }).then(() => {
    stop.abort();
  });
}
