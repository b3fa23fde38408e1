/**
 * The health state machine, independent of Effect: the state the probes answer from and its pure
 * transitions. Times are epoch milliseconds.
 *
 * Each check starts healthy, turns unhealthy exactly at its `failureThreshold`-th consecutive failure and
 * healthy again at its `successThreshold`-th consecutive success (hysteresis), so a transient blip never fails
 * a probe. A check whose results have stopped coming is `stale` and counts as failing. The probes:
 *
 * - liveness (`/healthz`, `/livez`): every liveness check healthy, and no check stale;
 * - readiness (`/readyz`): every check healthy and not stale, not marked not ready, not draining, and (initial
 *   state `starting`) every check has passed once;
 * - startup (`/startupz`): every check has passed once since start (then it stays so).
 */

/** The state of one check. */
export interface Check {
  readonly name: string
  /** Healthy by the check's hysteresis (stale or not). */
  readonly healthy: boolean
  /** No result for longer than the staleness bound: the check counts as failing for every probe. */
  readonly stale: boolean
  /** Whether the check has succeeded at least once since start. */
  readonly passedOnce: boolean
  readonly consecutiveFailures: number
  readonly consecutiveSuccesses: number
  /** When the last run ended (success or failure); `undefined` before the first one. */
  readonly lastCheckedAt: number | undefined
  readonly lastSuccessAt: number | undefined
  /** How long the last run took (a timed-out run: the timeout). */
  readonly lastDurationMillis: number | undefined
  /** The reason of the most recent failure of the current failure streak; `undefined` after a success. */
  readonly lastError: string | undefined
  /** What the last run reported besides its outcome (e.g. a Redis Cluster's `cluster_state`), if anything. */
  readonly details: Details | undefined
}

/** Facts a check reports with its outcome: shown in JSON bodies, and in `?verbose` with details exposed. */
export type Details = Readonly<Record<string, string | number | boolean>>

const detailsKey = Symbol.for("@stargazer/health-server/Details")

/** A check's success value (or a property of its error) that carries `details`. */
export interface WithDetails {
  readonly [detailsKey]: Details
}

/** A value that carries `details`: succeed with it, or give an error this property. */
export const withDetails = (details: Details): WithDetails => ({ [detailsKey]: details })

/** The details a success value or an error carries, if any. */
export const detailsOf = (value: unknown): Details | undefined =>
  typeof value === "object" && value !== null && detailsKey in value ? (value as WithDetails)[detailsKey] : undefined

/** The key under which a value carries its details (for error classes that carry them). */
export const detailsProperty: typeof detailsKey = detailsKey

/** The probe answers, the flags and every check. */
export interface State {
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
  /** The checks, in the order they were given (`redis` first under `HealthServerLive` and `Runner.layer`). */
  readonly checks: ReadonlyArray<Check>
}

/** Which checks gate which probe. */
export interface Gates {
  readonly liveness: ReadonlySet<string>
  readonly initialState: "healthy" | "starting"
}

export type Probe = "liveness" | "readiness" | "startup"

/** One line of a verdict: a check, or a flag (`manual` for markNotReady, `shutdown` while draining). */
export interface VerdictLine {
  readonly name: string
  readonly kind: "check" | "flag"
  readonly result: "pass" | "fail" | "excluded"
  readonly reason: string | undefined
}

export interface Verdict {
  readonly pass: boolean
  readonly lines: ReadonlyArray<VerdictLine>
}

type Flags = Pick<State, "checks" | "markedNotReady" | "draining">

export const initialCheck = (name: string): Check => ({
  name,
  healthy: true,
  stale: false,
  passedOnce: false,
  consecutiveFailures: 0,
  consecutiveSuccesses: 0,
  lastCheckedAt: undefined,
  lastSuccessAt: undefined,
  lastDurationMillis: undefined,
  lastError: undefined,
  details: undefined
})

export const recordSuccess = (
  self: Check,
  now: number,
  durationMillis: number,
  successThreshold: number,
  details?: Details
): Check => {
  const consecutiveSuccesses = self.consecutiveSuccesses + 1
  return {
    name: self.name,
    healthy: self.healthy || consecutiveSuccesses >= successThreshold,
    stale: false,
    passedOnce: true,
    consecutiveFailures: 0,
    consecutiveSuccesses,
    lastCheckedAt: now,
    lastSuccessAt: now,
    lastDurationMillis: durationMillis,
    lastError: undefined,
    details
  }
}

export const recordFailure = (
  self: Check,
  now: number,
  durationMillis: number,
  reason: string,
  failureThreshold: number,
  details?: Details
): Check => {
  const consecutiveFailures = self.consecutiveFailures + 1
  return {
    ...self,
    healthy: self.healthy && consecutiveFailures < failureThreshold,
    stale: false,
    consecutiveFailures,
    consecutiveSuccesses: 0,
    lastCheckedAt: now,
    lastDurationMillis: durationMillis,
    lastError: reason,
    details
  }
}

export const markStale = (self: Check): Check => self.stale ? self : { ...self, stale: true }

/** How long a check may go without a result before it is stale: `max(3 × interval, interval + 2 × timeout)`. */
export const staleAfterMillis = (intervalMillis: number, timeoutMillis: number): number =>
  Math.max(3 * intervalMillis, intervalMillis + 2 * timeoutMillis)

/** "healthy", "unhealthy" or "stale": what a transition log line reports. */
export const condition = (check: Check): "healthy" | "unhealthy" | "stale" =>
  check.stale ? "stale" : check.healthy ? "healthy" : "unhealthy"

const failure = (check: Check, probe: Probe, gates: Gates): string | undefined => {
  if (probe === "startup") return check.passedOnce ? undefined : "not yet passed"
  if (check.stale) return "stale"
  if (!check.healthy) return check.lastError ?? "unhealthy"
  if (probe === "readiness" && gates.initialState === "starting" && !check.passedOnce) return "not yet passed"
  return undefined
}

/**
 * Evaluates one probe, leaving out the `excluded` checks. Liveness looks at the liveness checks and at any
 * stale check; readiness and startup at every check; readiness also at the flags.
 */
export const evaluate = (
  self: Flags,
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

/** Recomputes the probe answers from the checks and flags. */
export const derive = (self: Flags, gates: Gates): State => ({
  live: evaluate(self, "liveness", gates).pass,
  ready: evaluate(self, "readiness", gates).pass,
  started: evaluate(self, "startup", gates).pass,
  markedNotReady: self.markedNotReady,
  draining: self.draining,
  checks: self.checks
})

/** The state before any check has run. */
export const initial = (names: ReadonlyArray<string>, gates: Gates): State =>
  derive({ markedNotReady: false, draining: false, checks: names.map(initialCheck) }, gates)

/** Whether two states agree on every answer, flag and check condition (what `changes` reports). */
export const sameConditions = (a: State, b: State): boolean =>
  a.live === b.live && a.ready === b.ready && a.started === b.started && a.markedNotReady === b.markedNotReady &&
  a.draining === b.draining &&
  a.checks.every((check, i) => check.healthy === b.checks[i].healthy && check.stale === b.checks[i].stale)
