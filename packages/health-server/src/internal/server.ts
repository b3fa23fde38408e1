/**
 * The probe server's socket: binds `node:http` with the fast path in front, loads the router on the first
 * request that needs it, and closes without waiting on open connections.
 *
 * @internal
 */
import * as FastPath from "@stargazer/health-core/fastPath"
import * as Responses from "@stargazer/health-core/responses"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Runtime from "effect/Runtime"
import type * as Scope from "effect/Scope"
import * as Http from "node:http"
import type * as HealthServer from "../HealthServer.js"
import { HealthServerError } from "./errors.js"
import { annotate } from "./log.js"
import * as Metrics from "./metrics.js"
import { isMetricsPath, MetricsEndpoint } from "./metricsEndpoint.js"
import { HealthState, toService } from "./service.js"
import type { State } from "./state.js"

type Listener = (request: Http.IncomingMessage, response: Http.ServerResponse) => void

/** The router as a `node:http` listener, its modules loaded only now. */
const makeRoute = (state: State): Effect.Effect<Listener> =>
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

/** The answer to `request` from the core alone, for when the router cannot be loaded. */
const routeWithoutRouter = (request: Http.IncomingMessage, state: State): Responses.Answer => {
  const url = request.url!
  const path = url.split("?")[0]
  for (const endpoint of Responses.endpoints) {
    const check = path.startsWith(`${endpoint.path}/`) && endpoint.perCheck
      ? path.slice(endpoint.path.length + 1)
      : undefined
    if (path !== endpoint.path && check === undefined) continue
    return Responses.answer(
      endpoint,
      check,
      { method: request.method ?? "GET", url, accept: request.headers.accept },
      state.current(),
      state.settings
    )
  }
  return Responses.notFound
}

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
    // The router and its modules load on the first request that needs them: plain probes never do.
    const runtime = yield* Effect.runtime<never>()
    const metrics = Option.getOrUndefined(yield* Effect.serviceOption(MetricsEndpoint))
    let route: Promise<Listener> | undefined
    const server = Http.createServer(
      // Probes are tiny: a client that sends a request slowly is cut off in seconds, so closing never waits long.
      { requestTimeout: 5_000, headersTimeout: 5_000, connectionsCheckingInterval: 1_000 },
      FastPath.listener(state.current, (request, response) => {
        if (metrics !== undefined && isMetricsPath(request.url!)) {
          if (request.method === "GET" || request.method === "HEAD") metrics.serve(request, response)
          else FastPath.write(request, response, Responses.methodNotAllowed)
          return
        }
        if (route === undefined) {
          route = Runtime.runPromise(runtime, makeRoute(state))
          // A router that failed to load is logged and loaded again by the next request that needs it.
          route.catch((cause) => {
            route = undefined
            Runtime.runFork(runtime, Effect.logError("health_router_load_failed", cause).pipe(annotate))
          })
        }
        route.then((listener) => listener(request, response)).catch(() => {
          // Without the router: the same answers, from the core, for the probe paths; 404 for anything else.
          if (!response.headersSent) FastPath.write(request, response, routeWithoutRouter(request, state))
          else response.destroy()
        })
      }, Metrics.countRequest)
    )
    const close = Effect.sync(() => {
      server.close()
      server.closeAllConnections()
    })
    const address = yield* Effect.acquireRelease(
      Effect.async<HealthServer.Address, HealthServerError>((resume) => {
        const onError = (cause: Error) => resume(Effect.fail(new HealthServerError({ ...options, cause })))
        server.once("error", onError)
        server.listen(options.port, options.host, () => {
          server.off("error", onError)
          const bound = server.address()
          const port = typeof bound === "object" && bound !== null ? bound.port : options.port
          resume(Effect.succeed({ host: options.host, port }))
        })
      }),
      () => close
    )
    return { address, close }
  })
