/**
 * Helpers shared by the suites: a scripted check for TestClock tests, the health server built in the test's
 * scope (on a port the system picks), a log collector, and plain HTTP GETs over a real socket.
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { it } from "@effect/vitest"
import * as HealthCheck from "@stargazer/health-server-effect4/HealthCheck"
import * as HealthRouter from "@stargazer/health-server-effect4/HealthRouter"
import * as HealthServer from "@stargazer/health-server-effect4/HealthServer"
import type * as HealthStatus from "@stargazer/health-server-effect4/HealthStatus"
import * as RedisClient from "@stargazer/health-server-effect4/RedisClient"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpServer from "effect/http/HttpServer"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import type * as LogLevel from "effect/LogLevel"
import * as NetAddress from "effect/net/NetAddress"
import * as Ref from "effect/Ref"
import * as References from "effect/References"
import * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import * as Http from "node:http"
import * as Util from "node:util"

/** Keeps the log lines of `self` (and of the fibers it forks) out of the test output. */
export const silent = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.provideService(self, References.MinimumLogLevel, "None")

/** A real-time scoped test (real sockets, real Redis), with the library's logs kept out of the test output. */
export const live = <A, E>(name: string, self: () => Effect.Effect<A, E, Scope.Scope>, timeout?: number) =>
  it.live(name, () => silent(self()), timeout)

/**
 * A scope the test closes itself, to assert what release does; closed with the test's own scope when the test
 * fails first, so that nothing it holds (a client, a check loop) outlives the test and troubles the next one.
 */
export const childScope: Effect.Effect<Scope.Closeable, never, Scope.Scope> = Effect.flatMap(
  Effect.scope,
  (scope) => Scope.fork(scope)
)

/** `live`, with the log lines (Debug and up) collected for the test instead of printed; see `withLogs`. */
export const liveLogged = <A, E>(
  name: string,
  self: (logs: ReadonlyArray<LogLine>) => Effect.Effect<A, E, Scope.Scope>,
  timeout?: number
) => live(name, () => withLogs(self), timeout)

/** A check that succeeds while `up` holds true and fails with `down` otherwise; counts its runs. */
export const scriptedCheck = Effect.gen(function*() {
  const up = yield* Ref.make(true)
  const calls = yield* Ref.make(0)
  const check: Effect.Effect<void, Error> = Ref.update(calls, (n) => n + 1).pipe(
    Effect.andThen(Ref.get(up)),
    Effect.flatMap((ok) => ok ? Effect.void : Effect.fail(new Error("down")))
  )
  return { up, calls, check } as const
})

/** A check named `redis` over `check`: a scripted stand-in for `RedisClient.healthCheck`. */
export const redisCheck = (check: Effect.Effect<unknown, unknown>): HealthCheck.HealthCheck =>
  HealthCheck.make({ name: HealthCheck.redisCheckName, check })

/** The state of one check (default: `redis`). */
export const checkStatus = (
  health: HealthServer.HealthState,
  name: string = HealthCheck.redisCheckName
): Effect.Effect<HealthStatus.CheckStatus> =>
  Effect.map(health.status, (status) => status.checks.find((check) => check.name === name)!)

/** Builds `layer` in the current scope and returns the health server it provides. */
export const buildHealth = <E, R>(
  layer: Layer.Layer<HealthServer.HealthServer, E, R>
): Effect.Effect<HealthServer.HealthServer, E, R | Scope.Scope> =>
  Effect.map(Layer.build(layer), Context.get(HealthServer.HealthServer))

/** Builds `layer` (e.g. `HealthServer.layerState`) in the current scope and returns the state it provides. */
export const buildState = <E, R>(
  layer: Layer.Layer<HealthServer.HealthState, E, R>
): Effect.Effect<HealthServer.HealthState, E, R | Scope.Scope> =>
  Effect.map(Layer.build(layer), Context.get(HealthServer.HealthState))

/** `HealthServer.layer` over `client`, on a port the system picks (read it from `address`), in the test's scope. */
export const serveOn = <E>(
  client: Layer.Layer<RedisClient.RedisClient, E>,
  options: HealthServer.Options = {}
) =>
  buildHealth(
    HealthServer.layer({ port: 0, ...options, checks: [RedisClient.healthCheck, ...options.checks ?? []] }).pipe(
      Layer.provide(client)
    )
  )

/**
 * Serves `HealthRouter.router` over `health` with the `HttpServer` in context (e.g. `NodeHttpServer.layerTest`),
 * as an application mounts it in its own server.
 */
export const serveRouter = (health: HealthServer.HealthState) =>
  HttpRouter.toHttpEffect(HealthRouter.router).pipe(
    Effect.flatMap((app) => HttpServer.serveEffect(app)),
    Effect.provideService(HealthServer.HealthState, health)
  )

/**
 * Serves `HealthRouter.router` over `health` on a `node:http` server of its own, bound to a port the system
 * picks on 127.0.0.1 in the current scope; returns that port.
 */
export const listenRouter = (health: HealthServer.HealthState) =>
  Effect.gen(function*() {
    const server = yield* NodeHttpServer.make(() => Http.createServer(), { host: "127.0.0.1", port: 0 })
    yield* serveRouter(health).pipe(Effect.provideService(HttpServer.HttpServer, server))
    return NetAddress.isInetAddress(server.address) ? server.address.port : -1
  })

export interface LogLine {
  readonly level: LogLevel.LogLevel
  readonly message: string
  readonly annotations: Record<string, unknown>
}

/**
 * Collects every log line (Debug and up) emitted while `self` runs, including by fibers it forks, in place of
 * printing them.
 */
export const withLogs = <A, E, R>(
  self: (logs: ReadonlyArray<LogLine>) => Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> => {
  const logs: Array<LogLine> = []
  const collector = Logger.make(({ fiber, logLevel, message }) => {
    logs.push({
      level: logLevel,
      message: Array.isArray(message) ? message.join(" ") : String(message),
      annotations: { ...fiber.getRef(References.CurrentLogAnnotations) }
    })
  })
  return self(logs).pipe(
    Effect.provideService(References.MinimumLogLevel, "Debug"),
    Effect.provide(Logger.layer([collector]))
  )
}

/** Each line as `[level, message, { ...the annotations of `keys` it carries }]`: what a test asserts of logs. */
export const summarize = (logs: ReadonlyArray<LogLine>, keys: ReadonlyArray<string>) =>
  logs.map((line) => [
    line.level,
    line.message,
    Object.fromEntries(keys.filter((key) => key in line.annotations).map((key) => [key, line.annotations[key]]))
  ])

export interface Reply {
  readonly status: number
  readonly body: string
  readonly contentType: string | null
}

/**
 * A plain GET over a real socket (undici's fetch), unbounded: for TestClock tests, where a timeout would never
 * fire (the test's own timeout bounds them).
 */
export const fetchReply = (port: number, path: string, host = "127.0.0.1"): Effect.Effect<Reply, Error> =>
  Effect.tryPromise({
    try: async (signal) => {
      const response = await fetch(`http://${host}:${port}${path}`, { signal, headers: { connection: "close" } })
      return { status: response.status, body: await response.text(), contentType: response.headers.get("content-type") }
    },
    catch: (cause) => cause instanceof Error ? cause : new Error(String(cause))
  })

/** `fetchReply` bounded in real time, so a hung server fails the test. */
export const get = (port: number, path: string, host = "127.0.0.1"): Effect.Effect<Reply, Error> =>
  fetchReply(port, path, host).pipe(
    Effect.timeoutOrElse({
      duration: "5 seconds",
      orElse: () => Effect.fail(new Error(`GET ${path} timed out`))
    })
  )

/**
 * Polls `read` with real time until `predicate` holds (bounded generously), and returns that value; past the
 * bound, fails saying the last value read.
 */
export const eventually = <A, E = never>(
  read: Effect.Effect<A, E>,
  predicate: (a: A) => boolean,
  within: Duration.Input = "15 seconds"
): Effect.Effect<A, E | Error> =>
  Effect.suspend(() => {
    let last: { readonly value: A } | undefined
    return read.pipe(
      Effect.tap((value) => Effect.sync(() => last = { value })),
      Effect.filterOrFail(predicate, () => new Error("condition not met")),
      Effect.retry(Schedule.spaced("25 millis")),
      Effect.timeoutOrElse({
        duration: within,
        orElse: () =>
          Effect.fail(
            new Error(
              `condition not met within ${Duration.format(Duration.fromInputUnsafe(within))}${lastRead(last)}`
            )
          )
      })
    )
  })

/** `; last read: <value>`, for a wait's error (nothing when nothing was read). */
const lastRead = (last: { readonly value: unknown } | undefined): string =>
  last === undefined ? "" : `; last read: ${Util.inspect(last.value, { breakLength: Infinity })}`
