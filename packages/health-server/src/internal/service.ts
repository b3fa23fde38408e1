/**
 * The `HealthState` and `HealthServer` services: tags, and the service over a `State`, which carries all the
 * routes need (they work over any `HealthState`).
 *
 * @internal
 */
import * as Options from "@stargazer/health-core/options"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as HealthServer from "../HealthServer.js"
import type { State } from "./state.js"

/** @internal */
export const HealthState = Context.GenericTag<HealthServer.HealthState>("@stargazer/health-server/HealthState")

/** @internal */
export const HealthServerTag = Context.GenericTag<HealthServer.HealthServer>("@stargazer/health-server/HealthServer")

/**
 * The service over `state`, with `extra` fields (the server's address). Loads the `Stream` module for
 * `changes`.
 *
 * @internal
 */
export const toService = <A extends object = object>(
  state: State,
  extra?: A
): Effect.Effect<HealthServer.HealthState & A> =>
  Effect.map(Effect.promise(() => import("effect/Stream")), (Stream) => ({
    ...extra as A,
    status: state.status,
    changes: state.changes(Stream),
    markNotReady: state.markNotReady,
    markReady: state.markReady,
    settings: Options.probeSettings(state.settings)
  }))
