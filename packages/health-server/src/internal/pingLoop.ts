/**
 * The background check loop: one fiber per check (Redis PING among them), each running its check bounded by
 * its timeout, recording the outcome, waiting `interval` after the run ends and repeating; and a watchdog that
 * marks a check stale when its results stop coming. All run as children of one fiber, which the layer's
 * release stops with `stop` (bounded, so a check that ignores interruption cannot hold the release).
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
import * as Fiber from "effect/Fiber"
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

class CheckTimeoutError extends Data.TaggedError("CheckTimeoutError")<{
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

const logTransition = (
  before: HealthStatus.CheckStatus,
  after: HealthStatus.CheckStatus,
  status: HealthStatus.HealthStatus
): Effect.Effect<void> => {
  const from = condition(before)
  const to = condition(after)
  if (from === to) {
    return Effect.void
  }
  const annotations = {
    check: after.name,
    from,
    to,
    reason: to === "stale" ? "stale" : Option.getOrElse(after.lastError, () => "recovered"),
    live: status.live,
    ready: status.ready
  }
  return to === "healthy"
    ? Effect.logInfo("health_state_changed").pipe(Effect.annotateLogs(annotations))
    : Effect.logWarning("health_state_changed").pipe(
      Effect.annotateLogs({ ...annotations, consecutiveFailures: after.consecutiveFailures })
    )
}

/** `health_started` once every check has passed once (readiness follows, in initial state `starting`). */
const logStarted = (before: HealthStatus.HealthStatus, after: HealthStatus.HealthStatus): Effect.Effect<void> =>
  !before.started && after.started
    ? Effect.logInfo("health_started").pipe(Effect.annotateLogs({ live: after.live, ready: after.ready }))
    : Effect.void

/** Applies `f` to the check at `index`, re-derives the probes and logs the check's transition, if any. */
const updateCheck = (
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
    const next = HealthStatus.derive({ ...status, checks }, gates)
    return [Effect.zipRight(logTransition(before, after, next), logStarted(status, next)), next]
  }).pipe(Effect.flatten)

/** One run of one check: bounded by its timeout, its outcome recorded. Never fails. */
const runOnce = (
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

/**
 * Marks stale every check whose last result (or the start) is older than its staleness bound, and returns how
 * long to wait until the next check could turn stale.
 */
const watchdog = (
  options: LoopOptions,
  state: SubscriptionRef.SubscriptionRef<HealthStatus.HealthStatus>,
  startedAt: number
): Effect.Effect<number> =>
  Effect.gen(function*() {
    const now = yield* Clock.currentTimeMillis
    let next = Duration.toMillis(options.interval)
    for (const [index, check] of options.checks.entries()) {
      yield* updateCheck(state, options.gates, index, (status) => {
        const last = Option.match(status.lastCheckedAt, { onNone: () => startedAt, onSome: DateTime.toEpochMillis })
        // Stale once "longer than" the bound: the first millisecond past it.
        const deadline = last + check.staleAfterMillis + 1
        if (status.stale) return status
        if (now >= deadline) return HealthStatus.markStale(status)
        next = Math.min(next, deadline - now)
        return status
      })
    }
    return next
  })

/**
 * The loop: every check at once, then one `interval` after each of its runs ends (`Schedule.spaced`, so a slow
 * check delays only its own next run and runs never pile up); checks run concurrently and a hung one delays no
 * other. Beside them, the watchdog wakes when the next check could turn stale. Runs until interrupted.
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
      Effect.flatMap((wait) => Effect.sleep(Duration.millis(wait))),
      Effect.forever
    )
    yield* Effect.all([checks, stale], { concurrency: "unbounded", discard: true })
  }).pipe(Effect.annotateLogs({ package: "@stargazer/health-server" }))

/**
 * Stops the loop: interrupts it and waits for it up to `bound`. A check its timeout cannot interrupt (an
 * uninterruptible one) would hold the loop forever; rather than hang the release, the loop is then left to
 * end on its own, and that is logged.
 *
 * @internal
 */
export const stop = (fiber: Fiber.RuntimeFiber<void>, bound: Duration.Duration): Effect.Effect<void> =>
  Fiber.interruptFork(fiber).pipe(
    Effect.zipRight(Effect.interruptible(Fiber.await(fiber)).pipe(Effect.timeoutOption(bound))),
    Effect.flatMap(Option.match({
      onSome: () => Effect.void,
      onNone: () =>
        Effect.logWarning("health_checks_not_stopped").pipe(
          Effect.annotateLogs({
            package: "@stargazer/health-server",
            reason: "a check does not respond to interruption"
          })
        )
    }))
  )
