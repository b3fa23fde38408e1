/**
 * The health state machine: the cached status that `/healthz` and `/readyz` answer from, and the pure
 * transitions the ping loop applies to it after each ping.
 *
 * The status starts healthy, turns unhealthy exactly at the `failureThreshold`-th consecutive failure and
 * turns healthy again at the next success, so a transient blip never fails a probe.
 *
 * @since 0.1.0
 */
import type * as DateTime from "effect/DateTime"
import * as Option from "effect/Option"

/**
 * A snapshot of the cached health state.
 *
 * @since 0.1.0
 * @category models
 */
export interface HealthStatus {
  /** Whether the probes answer `200`. */
  readonly healthy: boolean
  /** Failed pings since the last successful one. */
  readonly consecutiveFailures: number
  /** When the last ping finished (success or failure); `None` before the first one. */
  readonly lastCheckedAt: Option.Option<DateTime.Utc>
  /** The reason of the most recent failure of the current failure streak; `None` after a success. */
  readonly lastError: Option.Option<string>
}

/**
 * The status before the first ping: healthy, as the Python module started.
 *
 * @since 0.1.0
 * @category constructors
 */
export const initial: HealthStatus = {
  healthy: true,
  consecutiveFailures: 0,
  lastCheckedAt: Option.none(),
  lastError: Option.none()
}

/**
 * The status after a successful ping: healthy, with the failure streak reset.
 *
 * @since 0.1.0
 * @category combinators
 */
export const recordSuccess = (_self: HealthStatus, now: DateTime.Utc): HealthStatus => ({
  healthy: true,
  consecutiveFailures: 0,
  lastCheckedAt: Option.some(now),
  lastError: Option.none()
})

/**
 * The status after a failed ping: unhealthy once `failureThreshold` pings in a row have failed.
 *
 * @since 0.1.0
 * @category combinators
 */
export const recordFailure = (self: HealthStatus, failure: {
  readonly now: DateTime.Utc
  readonly reason: string
  readonly failureThreshold: number
}): HealthStatus => {
  const consecutiveFailures = self.consecutiveFailures + 1
  return {
    healthy: consecutiveFailures < failure.failureThreshold,
    consecutiveFailures,
    lastCheckedAt: Option.some(failure.now),
    lastError: Option.some(failure.reason)
  }
}
