/**
 * Holding the process open while something awaited waits on a clock timer, which never does so by
 * itself (the {@link Clock}'s timers are unref'd).
 */

/**
 * Keeps the process alive until the returned function is called. For a wait whose result a caller
 * awaits (a publish whose write is retried, a client dialling its hub): without it, a script whose
 * only pending work is that wait exits with the result never given.
 */
export function keepProcessAlive(): () => void {
  const timer = setInterval(() => undefined, 2 ** 30);
  return () => {
    clearInterval(timer);
  };
}
