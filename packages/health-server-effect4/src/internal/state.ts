/**
 * The one owner of the health state: a `SubscriptionRef` changed only through the pure transitions of
 * `@stargazer/health-core/store` (check results, staleness, the flags), each with its metrics and log lines;
 * read synchronously by the fast path; the public view, and the `changes` feed.
 *
 * @internal
 */
import type { Settings } from "@stargazer/health-core/options"
import * as Core from "@stargazer/health-core/state"
import * as Store from "@stargazer/health-core/store"
import * as Effect from "effect/Effect"
import type * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import type * as HealthStatus from "../HealthStatus.js"
import { annotate } from "./log.js"
import * as Metrics from "./metrics.js"
import { toStatus } from "./status.js"

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

const log = (line: Store.LogLine): Effect.Effect<void> =>
  (line.level === "Info" ? Effect.logInfo(line.message) : Effect.logWarning(line.message)).pipe(
    Effect.annotateLogs(line.annotations)
  )

/** Creates the state, every check healthy and not yet run. @internal */
export const make = (settings: Settings): Effect.Effect<State> =>
  Effect.gen(function*() {
    const { gates } = settings
    const initial = Store.initialState(settings)
    const ref = yield* SubscriptionRef.make(initial)
    let view: { readonly state: Core.State; readonly status: HealthStatus.HealthStatus } | undefined
    yield* Metrics.setGauges(initial, gates)

    /** Measures and logs a change applied to the state. */
    const applied = ({ lines, state, transition }: Store.Change): Effect.Effect<void> =>
      Metrics.setGauges(state, gates).pipe(
        Effect.andThen(
          transition === undefined
            ? Effect.void
            : Metrics.recordTransition(transition.name, transition.from, transition.to)
        ),
        Effect.andThen(Effect.forEach(lines, log, { discard: true }))
      )
    /**
     * Applies `transition` to the state in the `SubscriptionRef` (which publishes it to `changes`), then measures
     * and logs its changes, in one uninterruptible step: no change goes unpublished or unlogged, and none
     * interleaves with another.
     */
    const apply = (transition: (state: Core.State) => ReadonlyArray<Store.Change>) =>
      SubscriptionRef.modify(ref, (state) => {
        const changes = transition(state)
        return [changes, changes.length === 0 ? state : changes[changes.length - 1].state] as const
      }).pipe(
        Effect.flatMap((changes) => Effect.forEach(changes, applied, { discard: true })),
        Effect.uninterruptible,
        annotate
      )
    const one = (change: Store.Change | undefined): ReadonlyArray<Store.Change> => change === undefined ? [] : [change]

    const updateCheck = (index: number, f: (check: Core.Check) => Core.Check) =>
      apply((state) => one(Store.updateCheck(settings, state, index, f)))
    const setFlag = (flag: Store.Flag, value: boolean, message: string) =>
      apply((state) => one(Store.setFlag(settings, state, flag, value, message)))
    const sweep = (now: number, startedAt: number) => {
      let nextMillis = settings.intervalMillis
      return apply((state) => {
        const swept = Store.sweep(settings, state, now, startedAt)
        nextMillis = swept.nextMillis
        return swept.changes
      }).pipe(Effect.map(() => nextMillis))
    }

    const status = Effect.map(SubscriptionRef.get(ref), (state) => {
      if (view?.state !== state) view = { state, status: toStatus(state) }
      return view.status
    })
    // A subscriber that falls behind holds the latest state only: the sliding buffer of one takes every update
    // off the `SubscriptionRef`'s own subscription as it comes, keeping the newest.
    const changes = (S: typeof Stream) =>
      SubscriptionRef.changes(ref).pipe(
        S.buffer({ capacity: 1, strategy: "sliding" }),
        S.changesWith(Core.sameConditions),
        S.map(toStatus)
      )

    return {
      settings,
      // Read synchronously from the `SubscriptionRef` itself: the fast path's state is the state.
      current: () => SubscriptionRef.getUnsafe(ref),
      status,
      changes,
      updateCheck,
      sweep,
      markNotReady: setFlag("markedNotReady", true, "health_marked_not_ready"),
      markReady: setFlag("markedNotReady", false, "health_marked_ready"),
      drain: setFlag("draining", true, "health_server_draining")
    }
  })
