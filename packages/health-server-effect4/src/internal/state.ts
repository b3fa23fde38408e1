/**
 * The one owner of the health state: the current value, every transition (check results, staleness, the
 * flags) with its log line, the public view, and the `changes` feed. Transitions are the pure ones of
 * `@stargazer/health-core/state`; each is applied synchronously, so none can interleave with another.
 *
 * @internal
 */
import type { Settings } from "@stargazer/health-core/options"
import * as Core from "@stargazer/health-core/state"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as PubSub from "effect/PubSub"
import type * as Stream from "effect/Stream"
import type * as HealthStatus from "../HealthStatus.js"
import { annotate } from "./log.js"
import * as Metrics from "./metrics.js"

/** The state, as the loop, the server and the routes use it. @internal */
export interface State {
  readonly settings: Settings
  /** The current state: a plain read, for the probe path. */
  readonly current: () => Core.State
  /** The public view of the current state (built once per change). */
  readonly status: Effect.Effect<HealthStatus.HealthStatus>
  /**
   * Makes `changes` with the `Stream` module, which the caller loads (after binding: the probes never need it,
   * and it is the largest module the library uses).
   */
  readonly changes: (stream: typeof Stream) => Stream.Stream<HealthStatus.HealthStatus>
  /** Applies `f` to the check at `index`, re-derives the probes and logs the check's transition, if any. */
  readonly updateCheck: (index: number, f: (check: Core.Check) => Core.Check) => Effect.Effect<void>
  readonly markNotReady: Effect.Effect<void>
  readonly markReady: Effect.Effect<void>
  /** Readiness `503` from now on (the server is shutting down). */
  readonly drain: Effect.Effect<void>
}

const utc = (millis: number | undefined): Option.Option<DateTime.Utc> =>
  millis === undefined ? Option.none() : Option.some(DateTime.makeUnsafe(millis))

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
  lastError: Option.fromNullishOr(check.lastError),
  details: Option.fromNullishOr(check.details)
})

const toStatus = (state: Core.State): HealthStatus.HealthStatus => ({
  live: state.live,
  ready: state.ready,
  started: state.started,
  markedNotReady: state.markedNotReady,
  draining: state.draining,
  checks: state.checks.map(toCheckStatus)
})

const logTransition = (before: Core.Check, after: Core.Check, state: Core.State): Effect.Effect<void> => {
  const from = Core.condition(before)
  const to = Core.condition(after)
  if (from === to) return Effect.void
  const counted = Metrics.recordTransition(after.name, from, to)
  const annotations = {
    check: after.name,
    from,
    to,
    reason: to === "stale" ? "stale" : after.lastError ?? "recovered",
    live: state.live,
    ready: state.ready
  }
  return Effect.andThen(
    counted,
    to === "healthy"
      ? Effect.logInfo("health_state_changed").pipe(Effect.annotateLogs(annotations))
      : Effect.logWarning("health_state_changed").pipe(
        Effect.annotateLogs({ ...annotations, consecutiveFailures: after.consecutiveFailures })
      )
  )
}

/** `health_started` once every check has passed once (readiness follows, in initial state `starting`). */
const logStarted = (before: Core.State, after: Core.State): Effect.Effect<void> =>
  !before.started && after.started
    ? Effect.logInfo("health_started").pipe(Effect.annotateLogs({ live: after.live, ready: after.ready }))
    : Effect.void

/** Creates the state, every check healthy and not yet run. @internal */
export const make = (settings: Settings): Effect.Effect<State> =>
  Effect.gen(function*() {
    const { gates } = settings
    let current = Core.initial(settings.checks.map((check) => check.name), gates)
    let view: HealthStatus.HealthStatus | undefined
    const published = yield* PubSub.unbounded<Core.State>()
    yield* Metrics.setGauges(current, gates)

    /** Replaces the state and publishes it; returns the effect that logs the transition. */
    const set = (next: Core.State, log: Effect.Effect<void>) =>
      Effect.suspend(() => {
        current = next
        view = undefined
        return Metrics.setGauges(next, gates).pipe(
          Effect.andThen(PubSub.publish(published, next)),
          Effect.andThen(log)
        )
      })

    const updateCheck = (index: number, f: (check: Core.Check) => Core.Check) =>
      Effect.suspend(() => {
        const before = current.checks[index]
        const after = f(before)
        if (after === before) return Effect.void
        const checks = current.checks.slice()
        checks[index] = after
        const next = Core.derive({ ...current, checks }, gates)
        return set(next, Effect.andThen(logTransition(before, after, next), logStarted(current, next)))
      }).pipe(Effect.uninterruptible, annotate)

    const setFlag = (flag: "markedNotReady" | "draining", value: boolean, message: string) =>
      Effect.suspend(() => {
        if (current[flag] === value) return Effect.void
        const next = Core.derive({ ...current, [flag]: value }, gates)
        const log = Effect.logInfo(message).pipe(Effect.annotateLogs({ from: current.ready, to: next.ready }))
        return set(next, log)
      }).pipe(Effect.uninterruptible, annotate)

    const status = Effect.sync(() => view ??= toStatus(current))
    const changes = (S: typeof Stream) =>
      S.unwrap(Effect.map(PubSub.subscribe(published), (subscription) =>
        S.concat(S.succeed(current), S.fromSubscription(subscription)).pipe(
          S.changesWith(Core.sameConditions),
          S.map(toStatus)
        )))

    return {
      settings,
      current: () =>
        current,
      status,
      changes,
      updateCheck,
      markNotReady: setFlag("markedNotReady", true, "health_marked_not_ready"),
      markReady: setFlag("markedNotReady", false, "health_marked_ready"),
      drain: setFlag("draining", true, "health_server_draining")
    }
  })
