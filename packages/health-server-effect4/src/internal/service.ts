/**
 * The `HealthState` and `HealthServer` services: keys, and the service over a `State` (which the routes find
 * again through a key the public interface does not show).
 *
 * @internal
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as HealthServer from "../HealthServer.js"
import type { State } from "./state.js"

/** @internal */
export const HealthState: Context.Service<HealthServer.HealthState, HealthServer.HealthState> = Context.Service<
  HealthServer.HealthState
>("@stargazer/health-server-effect4/HealthState")

/** @internal */
export const HealthServerTag: Context.Service<HealthServer.HealthServer, HealthServer.HealthServer> = Context
  .Service<HealthServer.HealthServer>("@stargazer/health-server-effect4/HealthServer")

const stateKey = Symbol.for("@stargazer/health-server-effect4/State")

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
  Effect.map(Effect.promise(() => import("effect/Stream")), (Stream) => {
    const service = {
      ...extra as A,
      status: state.status,
      changes: state.changes(Stream),
      markNotReady: state.markNotReady,
      markReady: state.markReady
    }
    Object.defineProperty(service, stateKey, { value: state })
    return service
  })

/** The state behind a service made by `toService`. @internal */
export const stateOf = (service: HealthServer.HealthState): State => {
  const state = (service as unknown as Record<symbol, State | undefined>)[stateKey]
  if (state === undefined) throw new Error("HealthState: not a service of @stargazer/health-server-effect4")
  return state
}
