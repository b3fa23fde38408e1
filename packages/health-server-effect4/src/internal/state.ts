/**
 * The one owner of the health state: the current value, every transition (check results, staleness, the
 * flags) with its log line, the public view, and the `changes` feed. Transitions are the pure ones of
 * `@stargazer/health-core/state`; each is applied synchronously, so none can interleave with another.
 *
 * @internal
 */
import type { Settings } from "@stargazer/health-core/options"
import * as Core from "@stargazer/health-core/state"
import * as Store from "@stargazer/health-core/store"
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
  /** The watchdog's sweep at `now` (`Store.sweep`); returns how long until the next check could turn stale. */
  readonly sweep: (now: number, startedAt: number) => Effect.Effect<number>
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

const log = (line: Store.LogLine): Effect.Effect<void> =>
  (line.level === "Info" ? Effect.logInfo(line.message) : Effect.logWarning(line.message)).pipe(
    Effect.annotateLogs(line.annotations)
  )

/** Creates the state, every check healthy and not yet run. @internal */
export const make = (settings: Settings): Effect.Effect<State> =>
  Effect.gen(function*() {
    const { gates } = settings
    const store = Store.make(settings)
    let view: HealthStatus.HealthStatus | undefined
    const published = yield* PubSub.unbounded<Core.State>()
    yield* Metrics.setGauges(store.current(), gates)

    /** Publishes, measures and logs a change the store applied. */
    const applied = (change: Store.Change | undefined): Effect.Effect<void> => {
      if (change === undefined) return Effect.void
      view = undefined
      const { lines, state, transition } = change
      return Metrics.setGauges(state, gates).pipe(
        Effect.andThen(PubSub.publish(published, state)),
        Effect.andThen(
          transition === undefined
            ? Effect.void
            : Metrics.recordTransition(transition.name, transition.from, transition.to)
        ),
        Effect.andThen(Effect.forEach(lines, log, { discard: true }))
      )
    }
    // Applied synchronously and published in one uninterruptible step: no change goes unpublished or unlogged.
    const apply = (change: () => Store.Change | undefined) =>
      Effect.suspend(() => applied(change())).pipe(Effect.uninterruptible, annotate)

    const updateCheck = (index: number, f: (check: Core.Check) => Core.Check) =>
      apply(() => store.updateCheck(index, f))
    const setFlag = (flag: Store.Flag, value: boolean, message: string) =>
      apply(() => store.setFlag(flag, value, message))
    const sweep = (now: number, startedAt: number) =>
      Effect.suspend(() => {
        const { changes, nextMillis } = store.sweep(now, startedAt)
        return Effect.as(Effect.forEach(changes, applied, { discard: true }), nextMillis)
      }).pipe(Effect.uninterruptible, annotate)

    const status = Effect.sync(() => view ??= toStatus(store.current()))
    const changes = (S: typeof Stream) =>
      S.unwrap(Effect.map(PubSub.subscribe(published), (subscription) =>
        S.concat(S.succeed(store.current()), S.fromSubscription(subscription)).pipe(
          S.changesWith(Core.sameConditions),
          S.map(toStatus)
        )))

    return {
      settings,
      current: store.current,
      status,
      changes,
      updateCheck,
      sweep,
      markNotReady: setFlag("markedNotReady", true, "health_marked_not_ready"),
      markReady: setFlag("markedNotReady", false, "health_marked_ready"),
      drain: setFlag("draining", true, "health_server_draining")
    }
  })
