/**
 * The public view of the core's state (`HealthStatus`), and back: the routes answer from any `HealthState`'s
 * `status`, the library's own or an application's test double.
 *
 * @internal
 */
import type * as Core from "@stargazer/health-core/state"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Option from "effect/Option"
import type * as HealthStatus from "../HealthStatus.js"

const utc = (millis: number | undefined) =>
  millis === undefined ? Option.none() : Option.some(DateTime.unsafeMake(millis))

const toCheckStatus = (check: Core.Check): HealthStatus.CheckStatus => ({
  name: check.name,
  healthy: check.healthy,
  stale: check.stale,
  passedOnce: check.passedOnce,
  consecutiveFailures: check.consecutiveFailures,
  consecutiveSuccesses: check.consecutiveSuccesses,
  lastCheckedAt: utc(check.lastCheckedAt),
  lastSuccessAt: utc(check.lastSuccessAt),
  lastDuration: check.lastDurationMillis === undefined
    ? Option.none()
    : Option.some(Duration.millis(check.lastDurationMillis)),
  lastError: Option.fromNullable(check.lastError),
  details: Option.fromNullable(check.details)
})

/** @internal */
export const toStatus = (state: Core.State): HealthStatus.HealthStatus => ({
  live: state.live,
  ready: state.ready,
  started: state.started,
  markedNotReady: state.markedNotReady,
  draining: state.draining,
  checks: state.checks.map(toCheckStatus)
})

const millis = (time: Option.Option<DateTime.Utc>): number | undefined =>
  Option.isSome(time) ? DateTime.toEpochMillis(time.value) : undefined

const fromCheckStatus = (check: HealthStatus.CheckStatus): Core.Check => ({
  name: check.name,
  healthy: check.healthy,
  stale: check.stale,
  passedOnce: check.passedOnce,
  consecutiveFailures: check.consecutiveFailures,
  consecutiveSuccesses: check.consecutiveSuccesses,
  lastCheckedAt: millis(check.lastCheckedAt),
  lastSuccessAt: millis(check.lastSuccessAt),
  lastDurationMillis: Option.isSome(check.lastDuration) ? Duration.toMillis(check.lastDuration.value) : undefined,
  lastError: Option.getOrUndefined(check.lastError),
  details: Option.getOrUndefined(check.details)
})

const states = new WeakMap<HealthStatus.HealthStatus, Core.State>()

/**
 * `status` as the core's state, converted once per status (the library's own changes only with the state).
 *
 * @internal
 */
export const fromStatus = (status: HealthStatus.HealthStatus): Core.State => {
  let state = states.get(status)
  if (state === undefined) {
    state = {
      live: status.live,
      ready: status.ready,
      started: status.started,
      markedNotReady: status.markedNotReady,
      draining: status.draining,
      checks: status.checks.map(fromCheckStatus)
    }
    states.set(status, state)
  }
  return state
}
