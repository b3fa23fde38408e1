/**
 * The background check loop: one fiber per check, each running its check bounded by its timeout, recording
 * the outcome, waiting `interval` after the run ends and repeating; and a watchdog that marks a check stale
 * when its results stop coming. `start` forks it all and returns the bounded `stop`.
 *
 * @internal
 */
import type { CheckSettings } from "@stargazer/health-core/options"
import * as Core from "@stargazer/health-core/state"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import { annotate } from "./log.js"
import * as Metrics from "./metrics.js"
import type { State } from "./state.js"

/** A check to run: its settings and its effect. @internal */
export interface Check {
  readonly settings: CheckSettings
  readonly run: Effect.Effect<unknown, unknown>
}

class CheckTimeoutError extends Data.TaggedError("CheckTimeoutError")<{ readonly timeout: Duration.Duration }> {
  override get message() {
    return `timed out after ${Duration.format(this.timeout)}`
  }
}

/** One run of one check: bounded by its timeout, its outcome recorded. Never fails. */
const runOnce = (check: Check, index: number, state: State): Effect.Effect<void> =>
  Effect.gen(function*() {
    const { failureThreshold, name, successThreshold, timeoutMillis } = check.settings
    const timeout = Duration.millis(timeoutMillis)
    const start = yield* Clock.currentTimeMillis
    const exit = yield* check.run.pipe(
      Effect.timeoutOrElse({ duration: timeout, orElse: () => Effect.fail(new CheckTimeoutError({ timeout })) }),
      Effect.exit
    )
    const end = yield* Clock.currentTimeMillis
    const error = Exit.isSuccess(exit) ? undefined : Cause.squash(exit.cause)
    yield* Metrics.recordRun(
      name,
      error === undefined ? "success" : error instanceof CheckTimeoutError ? "timeout" : "failure",
      end - start
    )
    if (Exit.isSuccess(exit)) {
      const details = Core.detailsOf(exit.value)
      return yield* state.updateCheck(
        index,
        (status) => Core.recordSuccess(status, end, end - start, successThreshold, details)
      )
    }
    const reason = error instanceof Error ? error.message : String(error)
    yield* Effect.logDebug("health_check_failed").pipe(Effect.annotateLogs({ check: name, reason }))
    yield* state.updateCheck(
      index,
      (status) => Core.recordFailure(status, end, end - start, reason, failureThreshold, Core.detailsOf(error))
    )
  })

/**
 * Every check at once, then one interval after each of its runs ends (`Schedule.spaced`: a slow check delays
 * only its own next run, and runs never pile up); beside them, the watchdog. Runs until interrupted.
 */
const run = (checks: ReadonlyArray<Check>, state: State): Effect.Effect<void> =>
  Effect.gen(function*() {
    const startedAt = yield* Clock.currentTimeMillis
    const interval = Duration.millis(state.settings.intervalMillis)
    const loops = Effect.forEach(
      checks,
      (check, index) =>
        runOnce(check, index, state).pipe(
          Effect.repeat(Schedule.spaced(interval)),
          Effect.annotateLogs({ fiber: "health-check", check: check.settings.name })
        ),
      { concurrency: "unbounded", discard: true }
    )
    const stale = Clock.currentTimeMillis.pipe(
      Effect.flatMap((now) => state.sweep(now, startedAt)),
      Effect.flatMap((wait) => Effect.sleep(Duration.millis(wait))),
      Effect.forever
    )
    yield* Effect.all([loops, stale], { concurrency: "unbounded", discard: true })
  }).pipe(annotate)

/** `effect` the first time the returned effect runs, nothing the times after. */
const once = (effect: Effect.Effect<void>): Effect.Effect<void> => {
  let ran = false
  return Effect.suspend(() => {
    if (ran) return Effect.void
    ran = true
    return effect
  })
}

/**
 * Forks the loop and returns `stop`, which may be called any number of times: it interrupts the loop and
 * waits for it up to the longest check timeout (at least 1 second). A check that ignores interruption would
 * hold the loop forever; rather than hang, `stop` then leaves it to end on its own, and logs that.
 *
 * @internal
 */
export const start = (checks: ReadonlyArray<Check>, state: State): Effect.Effect<Effect.Effect<void>> =>
  Effect.gen(function*() {
    // Not forkScoped: its release would wait on the loop without bound.
    // Interruptible even when started inside an uninterruptible acquire (a fork inherits that).
    const fiber = yield* Effect.forkDetach(Effect.interruptible(run(checks, state)))
    const bound = Duration.millis(Math.max(1_000, ...checks.map((check) => check.settings.timeoutMillis)))
    return once(
      Effect.withFiber((self) => {
        // Interrupted without waiting: the wait below is the bounded one.
        fiber.interruptUnsafe(self.id)
        return Effect.interruptible(Fiber.await(fiber)).pipe(Effect.timeoutOption(bound))
      }).pipe(
        Effect.flatMap(Option.match({
          onSome: () => Effect.void,
          onNone: () =>
            Effect.logWarning("health_checks_not_stopped").pipe(
              Effect.annotateLogs({ reason: "a check does not respond to interruption" }),
              annotate
            )
        }))
      )
    )
  })
