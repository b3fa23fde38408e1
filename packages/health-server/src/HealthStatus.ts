/**
 * The health state machine: the cached state that the probes answer from, and the pure transitions the
 * check loop applies to it.
 *
 * Each check starts healthy, turns unhealthy exactly at its `failureThreshold`-th consecutive failure and
 * healthy again at its `successThreshold`-th consecutive success (hysteresis), so a transient blip never fails
 * a probe. A check whose results have stopped coming is `stale` and counts as failing. The probes are derived
 * from the checks:
 *
 * - liveness (`/healthz`, `/livez`): every liveness check healthy, and no check stale;
 * - readiness (`/readyz`): every check healthy and not stale, not marked not ready, not draining, and (initial
 *   state `starting`) every check has passed once;
 * - startup (`/startupz`): every check has passed once since start (then it stays so).
 *
 * @since 0.1.0
 */
import type * as DateTime from "effect/DateTime"
import type * as Duration from "effect/Duration"
import * as Option from "effect/Option"

/**
 * The state of one check.
 *
 * @since 0.1.0
 * @category models
 */
export interface CheckStatus {
  readonly name: string
  /** Healthy by the check's hysteresis (stale or not). */
  readonly healthy: boolean
  /** No result for longer than the staleness bound: the check counts as failing for every probe. */
  readonly stale: boolean
  /** Whether the check has succeeded at least once since start. */
  readonly passedOnce: boolean
  readonly consecutiveFailures: number
  readonly consecutiveSuccesses: number
  /** When the last run ended (success or failure); `None` before the first one. */
  readonly lastCheckedAt: Option.Option<DateTime.Utc>
  readonly lastSuccessAt: Option.Option<DateTime.Utc>
  /** How long the last run took (a timed-out run: the timeout). */
  readonly lastDuration: Option.Option<Duration.Duration>
  /** The reason of the most recent failure of the current failure streak; `None` after a success. */
  readonly lastError: Option.Option<string>
}

/**
 * The whole cached state: the probe answers and every check.
 *
 * @since 0.1.0
 * @category models
 */
export interface HealthStatus {
  /** Liveness: every liveness check healthy and no check stale. */
  readonly live: boolean
  /** Readiness: see the module documentation. */
  readonly ready: boolean
  /** Startup: every check has passed once since start. */
  readonly started: boolean
  /** Taken out of rotation by the application (`markNotReady`). */
  readonly markedNotReady: boolean
  /** The server is shutting down: readiness fails, liveness keeps answering. */
  readonly draining: boolean
  /** The checks, in the order they were given (`redis` first when present). */
  readonly checks: ReadonlyArray<CheckStatus>
}

/**
 * Which checks gate which probe.
 *
 * @since 0.1.0
 * @category models
 */
export interface Gates {
  /** Names of the checks that gate liveness. */
  readonly liveness: ReadonlySet<string>
  /** `starting`: readiness fails until every check has passed once. */
  readonly initialState: "healthy" | "starting"
}

/**
 * A check before its first run: healthy, as the Python module started.
 *
 * @since 0.1.0
 * @category constructors
 */
export const initialCheck = (name: string): CheckStatus => ({
  name,
  healthy: true,
  stale: false,
  passedOnce: false,
  consecutiveFailures: 0,
  consecutiveSuccesses: 0,
  lastCheckedAt: Option.none(),
  lastSuccessAt: Option.none(),
  lastDuration: Option.none(),
  lastError: Option.none()
})

/**
 * The check after a successful run: healthy again once `successThreshold` runs in a row have succeeded.
 *
 * @since 0.1.0
 * @category combinators
 */
export const recordSuccess = (self: CheckStatus, success: {
  readonly now: DateTime.Utc
  readonly duration: Duration.Duration
  readonly successThreshold: number
}): CheckStatus => {
  const consecutiveSuccesses = self.consecutiveSuccesses + 1
  return {
    name: self.name,
    healthy: self.healthy || consecutiveSuccesses >= success.successThreshold,
    stale: false,
    passedOnce: true,
    consecutiveFailures: 0,
    consecutiveSuccesses,
    lastCheckedAt: Option.some(success.now),
    lastSuccessAt: Option.some(success.now),
    lastDuration: Option.some(success.duration),
    lastError: Option.none()
  }
}

/**
 * The check after a failed run: unhealthy once `failureThreshold` runs in a row have failed.
 *
 * @since 0.1.0
 * @category combinators
 */
export const recordFailure = (self: CheckStatus, failure: {
  readonly now: DateTime.Utc
  readonly duration: Duration.Duration
  readonly reason: string
  readonly failureThreshold: number
}): CheckStatus => {
  const consecutiveFailures = self.consecutiveFailures + 1
  return {
    ...self,
    healthy: self.healthy && consecutiveFailures < failure.failureThreshold,
    stale: false,
    consecutiveFailures,
    consecutiveSuccesses: 0,
    lastCheckedAt: Option.some(failure.now),
    lastDuration: Option.some(failure.duration),
    lastError: Option.some(failure.reason)
  }
}

/**
 * The check marked stale: no result for longer than its staleness bound.
 *
 * @since 0.1.0
 * @category combinators
 */
export const markStale = (self: CheckStatus): CheckStatus => ({ ...self, stale: true })

/**
 * How long a check may go without a result before it is stale: `max(3 × interval, interval + 2 × timeout)`.
 *
 * @since 0.1.0
 * @category utils
 */
export const staleAfterMillis = (intervalMillis: number, timeoutMillis: number): number =>
  Math.max(3 * intervalMillis, intervalMillis + 2 * timeoutMillis)

/**
 * A probe: liveness (`/healthz`, `/livez`), readiness (`/readyz`) or startup (`/startupz`).
 *
 * @since 0.1.0
 * @category models
 */
export type Probe = "liveness" | "readiness" | "startup"

/**
 * One line of a probe's verdict: a check, or a flag of the server (`manual` for `markNotReady`, `shutdown`
 * while draining).
 *
 * @since 0.1.0
 * @category models
 */
export interface VerdictLine {
  readonly name: string
  readonly kind: "check" | "flag"
  readonly result: "pass" | "fail" | "excluded"
  /** Why it fails; `undefined` when it passes or is excluded. */
  readonly reason: string | undefined
}

/**
 * A probe's answer with the lines it was made from.
 *
 * @since 0.1.0
 * @category models
 */
export interface Verdict {
  readonly pass: boolean
  readonly lines: ReadonlyArray<VerdictLine>
}

const failure = (check: CheckStatus, probe: Probe, gates: Gates): string | undefined => {
  if (probe === "startup") return check.passedOnce ? undefined : "not yet passed"
  if (check.stale) return "stale"
  if (!check.healthy) return Option.getOrElse(check.lastError, () => "unhealthy")
  if (probe === "readiness" && gates.initialState === "starting" && !check.passedOnce) return "not yet passed"
  return undefined
}

/**
 * Evaluates one probe over the checks, leaving out the `excluded` ones. Liveness looks at the liveness
 * checks, and at any stale check; readiness and startup at every check; readiness also at the flags.
 *
 * @since 0.1.0
 * @category utils
 */
export const evaluate = (
  self: Pick<HealthStatus, "checks" | "markedNotReady" | "draining">,
  probe: Probe,
  gates: Gates,
  excluded: ReadonlySet<string> = new Set()
): Verdict => {
  const lines: Array<VerdictLine> = []
  let pass = true
  for (const check of self.checks) {
    if (probe === "liveness" && !gates.liveness.has(check.name) && !check.stale) continue
    if (excluded.has(check.name)) {
      lines.push({ name: check.name, kind: "check", result: "excluded", reason: undefined })
      continue
    }
    const reason = failure(check, probe, gates)
    if (reason !== undefined) pass = false
    lines.push({ name: check.name, kind: "check", result: reason === undefined ? "pass" : "fail", reason })
  }
  if (probe === "readiness") {
    if (self.markedNotReady) lines.push({ name: "manual", kind: "flag", result: "fail", reason: "marked not ready" })
    if (self.draining) lines.push({ name: "shutdown", kind: "flag", result: "fail", reason: "draining" })
    pass = pass && !self.markedNotReady && !self.draining
  }
  return { pass, lines }
}

/**
 * Recomputes the probe answers from the checks and flags.
 *
 * @since 0.1.0
 * @category combinators
 */
export const derive = (
  self: Pick<HealthStatus, "checks" | "markedNotReady" | "draining">,
  gates: Gates
): HealthStatus => ({
  live: evaluate(self, "liveness", gates).pass,
  ready: evaluate(self, "readiness", gates).pass,
  started: evaluate(self, "startup", gates).pass,
  markedNotReady: self.markedNotReady,
  draining: self.draining,
  checks: self.checks
})

/**
 * The state before any check has run.
 *
 * @since 0.1.0
 * @category constructors
 */
export const initial = (names: ReadonlyArray<string>, gates: Gates): HealthStatus =>
  derive({ markedNotReady: false, draining: false, checks: names.map(initialCheck) }, gates)
