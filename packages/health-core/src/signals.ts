/**
 * How the process reacts to signals, independent of Effect, in the process trees users really run (a
 * terminal's process group, `pnpm start`, `sh -c`, tini, systemd's control group), where each signal can
 * reach the process more than once:
 *
 * - SIGTERM, SIGINT, SIGHUP and SIGUSR2 start one graceful shutdown (`shutdown`);
 * - further copies are ignored (`ignored`), but for a person's second Ctrl-C: a SIGINT at least
 *   `forceAfterMillis` after the first forces the end (`force(130)`);
 * - if the shutdown is not over `boundMillis` after the first signal, the end is forced (`force(1)`).
 *
 * The listeners stay installed until the process exits, so no copy of a signal ever meets Node's default
 * action (which kills the process at once).
 */

export type Signal = "SIGINT" | "SIGTERM" | "SIGHUP" | "SIGUSR2"

export const handled: ReadonlyArray<Signal> = ["SIGINT", "SIGTERM", "SIGHUP", "SIGUSR2"]

/** A second SIGINT this long after the first is a person asking to stop now, not a forwarded copy. */
export const forceAfterMillis = 1_000

export interface Reactions {
  /** The first signal: start the graceful shutdown. */
  readonly shutdown: (signal: Signal) => void
  /** A copy that changes nothing. */
  readonly ignored: (signal: Signal) => void
  /** End the process now: `130` for a person's second Ctrl-C, `1` when the shutdown overran its bound. */
  readonly force: (code: 1 | 130) => void
}

/**
 * Starts listening. `done()` says the shutdown is over (the bound no longer applies); the listeners stay, and
 * ignore what comes after.
 */
export const watch = (boundMillis: number, reactions: Reactions): { readonly done: () => void } => {
  let firstAt: number | undefined
  let bound: ReturnType<typeof setTimeout> | undefined
  let over = false
  const onSignal = (signal: Signal) => {
    if (over) return
    const now = Date.now()
    if (firstAt === undefined) {
      firstAt = now
      bound = setTimeout(() => reactions.force(1), boundMillis)
      reactions.shutdown(signal)
      return
    }
    if (signal === "SIGINT" && now - firstAt >= forceAfterMillis) return reactions.force(130)
    reactions.ignored(signal)
  }
  for (const signal of handled) process.on(signal, onSignal)
  return {
    done: () => {
      over = true
      if (bound !== undefined) clearTimeout(bound)
    }
  }
}
