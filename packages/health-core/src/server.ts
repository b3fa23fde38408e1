/**
 * The probe server's socket, independent of Effect: `node:http` with the fast path in front, `/metrics` when an
 * endpoint is given, and the router loaded on the first request that needs it (the core answers the probe
 * paths itself while it cannot be loaded); binding, and a close that does not wait on open connections.
 */
import * as Http from "node:http"
import * as FastPath from "./fastPath.js"
import type { Settings } from "./options.js"
import type { Endpoint } from "./responses.js"
import * as Responses from "./responses.js"
import type { State } from "./state.js"

export type Listener = (request: Http.IncomingMessage, response: Http.ServerResponse) => void

/** Whether `url` is `/metrics`, a query allowed. */
export const isMetricsPath = (url: string): boolean => Responses.isExactly(url, "/metrics")

/** The answer to `request` from the core alone, for when the router cannot be loaded. */
export const routeWithoutRouter = (
  request: Http.IncomingMessage,
  state: State,
  settings: Settings
): Responses.Answer => {
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
      state,
      settings
    )
  }
  return Responses.notFound
}

export interface ServerOptions {
  /** The current state: a plain read, for the probe path. */
  readonly read: () => State
  readonly settings: Settings
  /** Loads the router as a listener; called again by the next request that needs it after a failure. */
  readonly loadRouter: () => Promise<Listener>
  /** Told when the router failed to load (to log it). */
  readonly onRouterFailed: (cause: unknown) => void
  /** Serves `GET`/`HEAD /metrics` when given (the server answers other methods itself). */
  readonly metrics?: Listener | undefined
  /** Told of each plain probe the fast path answers. */
  readonly count?: ((endpoint: Endpoint, status: number) => void) | undefined
}

/** The probe server, not yet bound. */
export const create = (options: ServerOptions): Http.Server => {
  const { metrics } = options
  let router: Promise<Listener> | undefined
  const route: Listener = (request, response) => {
    if (metrics !== undefined && isMetricsPath(request.url!)) {
      if (request.method === "GET" || request.method === "HEAD") metrics(request, response)
      else FastPath.write(request, response, Responses.methodNotAllowed)
      return
    }
    if (router === undefined) {
      router = options.loadRouter()
      // A router that failed to load is logged and loaded again by the next request that needs it.
      router.catch((cause) => {
        router = undefined
        options.onRouterFailed(cause)
      })
    }
    router.then((listener) => listener(request, response)).catch(() => {
      // Without the router: the same answers, from the core, for the probe paths; 404 for anything else.
      if (!response.headersSent) {
        FastPath.write(request, response, routeWithoutRouter(request, options.read(), options.settings))
      } else response.destroy()
    })
  }
  return Http.createServer(
    // Probes are tiny: a client that sends a request slowly is cut off in seconds, so closing never waits long.
    { requestTimeout: 5_000, headersTimeout: 5_000, connectionsCheckingInterval: 1_000 },
    FastPath.listener(options.read, route, options.count)
  )
}

/** Binds `server` to `host:port`; resolves with the port bound (the one the system picked for port 0). */
export const bind = (server: Http.Server, host: string, port: number): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once("error", reject)
    server.listen(port, host, () => {
      server.off("error", reject)
      const bound = server.address()
      resolve(typeof bound === "object" && bound !== null ? bound.port : port)
    })
  })

/** Stops accepting and drops every open connection. */
export const close = (server: Http.Server): void => {
  server.close()
  server.closeAllConnections()
}
