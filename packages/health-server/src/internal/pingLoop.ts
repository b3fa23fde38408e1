/**
 * The background check loop: one fiber per check (Redis PING among them), each running its check bounded by
 * its timeout, recording the outcome, waiting `interval` after the run ends and repeating; and a watchdog that
 * marks a check stale when its results stop coming. All run as children of one fiber, forked in the layer's
 * scope, until it is interrupted.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Data from "effect/Data"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import type * as SubscriptionRef from "effect/SubscriptionRef"
import * as HealthStatus from "../HealthStatus.js"

/** A check with every default resolved and validated. @internal */
export interface ResolvedCheck {
  readonly name: string
  readonly check: Effect.Effect<unknown, unknown>
  readonly timeout: Duration.Duration
  readonly failureThreshold: number
  readonly successThreshold: number
  readonly staleAfterMillis: number
}

/** @internal */
export interface LoopOptions {
  readonly interval: Duration.Duration
  readonly checks: ReadonlyArray<ResolvedCheck>
  readonly gates: HealthStatus.Gates
}

/** @internal */
export class CheckTimeoutError extends Data.TaggedError("CheckTimeoutError")<{
  readonly timeout: Duration.Duration
}> {
  override get message() {
    return `timed out after ${Duration.format(this.timeout)}`
  }
}

const reasonOf = (cause: Cause.Cause<unknown>): string => {
  const error = Cause.squash(cause)
  return error instanceof Error ? error.message : String(error)
}

/** "healthy", "unhealthy" or "stale": what a transition log line reports. */
const condition = (check: HealthStatus.CheckStatus): string =>
  check.stale ? "stale" : check.healthy ? "healthy" : "unhealthy"

const logTransition = (before: HealthStatus.CheckStatus, after: HealthStatus.CheckStatus): Effect.Effect<void> => {
  const from = condition(before)
  const to = condition(after)
  if (from === to) {
    return Effect.void
  }
  const annotations = {
    check: after.name,
    from,
    to,
    reason: to === "stale" ? "stale" : Option.getOrElse(after.lastError, () => "recovered")
  }
  return to === "healthy"
    ? Effect.logInfo("health_state_changed").pipe(Effect.annotateLogs(annotations))
    : Effect.logWarning("health_state_changed").pipe(
      Effect.annotateLogs({ ...annotations, consecutiveFailures: after.consecutiveFailures })
    )
}

/**
 * Applies `f` to the check at `index`, re-derives the probes and logs the check's transition, if any.
 *
 * @internal
 */
export const updateCheck = (
  state: SubscriptionRef.SubscriptionRef<HealthStatus.HealthStatus>,
  gates: HealthStatus.Gates,
  index: number,
  f: (check: HealthStatus.CheckStatus) => HealthStatus.CheckStatus
): Effect.Effect<void> =>
  state.modify((status) => {
    const before = status.checks[index]
    const after = f(before)
    if (after === before) return [Effect.void, status]
    const checks = status.checks.slice()
    checks[index] = after
    return [logTransition(before, after), HealthStatus.derive({ ...status, checks }, gates)]
  }).pipe(Effect.flatten)

/**
 * One run of one check: bounded by its timeout, its outcome recorded. Never fails.
 *
 * @internal
 */
export const runOnce = (
  check: ResolvedCheck,
  index: number,
  state: SubscriptionRef.SubscriptionRef<HealthStatus.HealthStatus>,
  gates: HealthStatus.Gates
): Effect.Effect<void> =>
  Effect.gen(function*() {
    const start = yield* Clock.currentTimeMillis
    const exit = yield* check.check.pipe(
      Effect.timeoutFail({
        duration: check.timeout,
        onTimeout: () => new CheckTimeoutError({ timeout: check.timeout })
      }),
      Effect.exit
    )
    const end = yield* Clock.currentTimeMillis
    const now = DateTime.unsafeMake(end)
    const duration = Duration.millis(end - start)
    if (Exit.isSuccess(exit)) {
      return yield* updateCheck(
        state,
        gates,
        index,
        (status) => HealthStatus.recordSuccess(status, { now, duration, successThreshold: check.successThreshold })
      )
    }
    const reason = reasonOf(exit.cause)
    yield* Effect.logDebug("health_check_failed").pipe(Effect.annotateLogs({ check: check.name, reason }))
    yield* updateCheck(
      state,
      gates,
      index,
      (status) =>
        HealthStatus.recordFailure(status, { now, duration, reason, failureThreshold: check.failureThreshold })
    )
  })

/** Marks every check stale whose last result (or the start) is older than its staleness bound. */
const watchdog = (
  options: LoopOptions,
  state: SubscriptionRef.SubscriptionRef<HealthStatus.HealthStatus>,
  startedAt: number
): Effect.Effect<void> =>
  Effect.flatMap(
    Clock.currentTimeMillis,
    (now) =>
      Effect.forEach(options.checks, (check, index) =>
        updateCheck(state, options.gates, index, (status) => {
          const last = Option.match(status.lastCheckedAt, { onNone: () => startedAt, onSome: DateTime.toEpochMillis })
          return !status.stale && now - last > check.staleAfterMillis ? HealthStatus.markStale(status) : status
        }), { discard: true })
  )

/**
 * The loop: every check at once, then one `interval` after each of its runs ends (`Schedule.spaced`, so a slow
 * check delays only its own next run and runs never pile up); checks run concurrently and a hung one delays no
 * other. Beside them, the watchdog looks for stale checks every `interval`. Runs until interrupted.
 *
 * @internal
 */
export const run = (
  options: LoopOptions,
  state: SubscriptionRef.SubscriptionRef<HealthStatus.HealthStatus>
): Effect.Effect<void> =>
  Effect.gen(function*() {
    const startedAt = yield* Clock.currentTimeMillis
    const checks = Effect.forEach(
      options.checks,
      (check, index) =>
        runOnce(check, index, state, options.gates).pipe(
          Effect.repeat(Schedule.spaced(options.interval)),
          Effect.annotateLogs({ fiber: "health-check", check: check.name })
        ),
      { concurrency: "unbounded", discard: true }
    )
    const stale = watchdog(options, state, startedAt).pipe(
      Effect.repeat(Schedule.spaced(options.interval)),
      Effect.delay(options.interval)
    )
    yield* Effect.all([checks, stale], { concurrency: "unbounded", discard: true })
  }).pipe(Effect.annotateLogs({ package: "@stargazer/health-server" }))
