/**
 * The background ping loop: runs one check, bounded by its timeout, records the outcome in the status `Ref`,
 * waits `interval` after the check ends, and repeats until its fiber is interrupted.
 *
 * @internal
 */
import * as Data from "effect/Data"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"
import * as Schedule from "effect/Schedule"
import * as HealthStatus from "../HealthStatus.js"

/** @internal */
export interface LoopOptions {
  readonly interval: Duration.Duration
  readonly timeout: Duration.Duration
  readonly failureThreshold: number
}

/** @internal */
export class PingTimeoutError extends Data.TaggedError("PingTimeoutError")<{
  readonly timeout: Duration.Duration
}> {
  override get message() {
    return `PING timed out after ${Duration.format(this.timeout)}`
  }
}

const reasonOf = (error: unknown): string => error instanceof Error ? error.message : String(error)

const logTransition = (before: HealthStatus.HealthStatus, after: HealthStatus.HealthStatus): Effect.Effect<void> => {
  if (before.healthy === after.healthy) {
    return Effect.void
  }
  return after.healthy
    ? Effect.logInfo("health_state_changed").pipe(Effect.annotateLogs({ from: "unhealthy", to: "healthy" }))
    : Effect.logWarning("health_state_changed").pipe(Effect.annotateLogs({
      from: "healthy",
      to: "unhealthy",
      reason: after.lastError._tag === "Some" ? after.lastError.value : "unknown",
      consecutiveFailures: after.consecutiveFailures
    }))
}

const update = (
  state: Ref.Ref<HealthStatus.HealthStatus>,
  f: (status: HealthStatus.HealthStatus) => HealthStatus.HealthStatus
): Effect.Effect<HealthStatus.HealthStatus> =>
  Ref.modify(state, (before) => {
    const after = f(before)
    return [[before, after] as const, after]
  }).pipe(Effect.flatMap(([before, after]) => Effect.as(logTransition(before, after), after)))

/**
 * One check: the ping bounded by `timeout`, its outcome recorded in `state`. Never fails.
 *
 * @internal
 */
export const checkOnce = <E, R>(
  ping: Effect.Effect<void, E, R>,
  state: Ref.Ref<HealthStatus.HealthStatus>,
  options: LoopOptions
): Effect.Effect<void, never, R> =>
  ping.pipe(
    Effect.timeoutFail({
      duration: options.timeout,
      onTimeout: () => new PingTimeoutError({ timeout: options.timeout })
    }),
    Effect.matchEffect({
      onSuccess: () =>
        Effect.flatMap(DateTime.now, (now) => update(state, (status) => HealthStatus.recordSuccess(status, now))),
      onFailure: (error) => {
        const reason = reasonOf(error)
        return Effect.logDebug("health_ping_failed").pipe(
          Effect.annotateLogs({ reason }),
          Effect.zipRight(DateTime.now),
          Effect.flatMap((now) =>
            update(state, (status) =>
              HealthStatus.recordFailure(status, { now, reason, failureThreshold: options.failureThreshold }))
          )
        )
      }
    }),
    Effect.asVoid
  )

/**
 * The loop: a check at once, then one `interval` after each check ends (`Schedule.spaced`, so a slow ping
 * delays the next one instead of piling up). Runs until interrupted; fork it in the layer's scope.
 *
 * @internal
 */
export const run = <E, R>(
  ping: Effect.Effect<void, E, R>,
  state: Ref.Ref<HealthStatus.HealthStatus>,
  options: LoopOptions
): Effect.Effect<void, never, R> =>
  checkOnce(ping, state, options).pipe(
    Effect.repeat(Schedule.spaced(options.interval)),
    Effect.asVoid,
    Effect.annotateLogs({ package: "@stargazer/health-server", fiber: "redis-ping" })
  )
