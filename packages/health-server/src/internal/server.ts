/**
 * The probe server's socket: binds `node:http` with the fast path in front, loads the router on the first
 * request that needs it, and closes without waiting on open connections.
 *
 * @internal
 */
import * as Messages from "@stargazer/health-core/errors"
import * as Server from "@stargazer/health-core/server"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Runtime from "effect/Runtime"
import type * as Scope from "effect/Scope"
import type * as HealthServer from "../HealthServer.js"
import { HealthServerError } from "./errors.js"
import { annotate } from "./log.js"
import * as Metrics from "./metrics.js"
import { MetricsEndpoint } from "./metricsEndpoint.js"
import { HealthState, toService } from "./service.js"
import type { State } from "./state.js"

/** The router as a `node:http` listener, its modules loaded only now. */
const makeRoute = (state: State): Effect.Effect<Server.Listener> =>
  Effect.gen(function*() {
    const [Routes, NodeHttpServer, HttpMiddleware] = yield* Effect.promise(() =>
      Promise.all([
        import("./routes.js"),
        import("@effect/platform-node/NodeHttpServer"),
        import("@effect/platform/HttpMiddleware")
      ])
    )
    return yield* NodeHttpServer.makeHandler(Routes.app).pipe(
      HttpMiddleware.withTracerDisabledWhenEffect(() => true),
      Effect.provideServiceEffect(HealthState, toService(state))
    )
  })

/** The bound socket. @internal */
export interface Listening {
  readonly address: HealthServer.Address
  /** Stops accepting and drops every open connection. */
  readonly close: Effect.Effect<void>
}

/**
 * Binds `host:port` in the current scope (released: closed). Plain probes are answered by the fast path; the
 * first request that needs the router loads it, and requests that need it meanwhile wait for it.
 *
 * @internal
 */
export const listen = (
  state: State,
  options: { readonly host: string; readonly port: number }
): Effect.Effect<Listening, HealthServerError, Scope.Scope> =>
  Effect.gen(function*() {
    const runtime = yield* Effect.runtime<never>()
    const metrics = Option.getOrUndefined(yield* Effect.serviceOption(MetricsEndpoint))
    const server = Server.create({
      read: state.current,
      settings: state.settings,
      // The router and its modules load on the first request that needs them: plain probes never do.
      loadRouter: () => Runtime.runPromise(runtime, makeRoute(state)),
      onRouterFailed: (cause) =>
        Runtime.runFork(runtime, Effect.logError("health_router_load_failed", cause).pipe(annotate)),
      metrics: metrics?.serve,
      count: Metrics.countRequest
    })
    const close = Effect.sync(() => Server.close(server))
    const address = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () => Server.bind(server, options.host, options.port),
        catch: (cause) => new HealthServerError({ ...options, ...Messages.listenFault(cause) })
      }).pipe(Effect.map((port) => ({ host: options.host, port }))),
      () => close
    )
    return { address, close }
  })
