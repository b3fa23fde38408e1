/**
 * Helpers of the Effect 3 package's tests: a scripted check for TestClock tests, the health server built in the
 * test's scope (on a port the system picks), a log collector; and the repository's HTTP helpers (`live`, `get`,
 * `eventually`: test/utils/http.ts).
 */
import { HttpServer } from "@effect/platform"
import type { HealthStatus } from "@stargazer/health-server"
import { HealthCheck, HealthServer, RedisClient } from "@stargazer/health-server"
import * as HealthRouter from "@stargazer/health-server/HealthRouter"
import { Context, Effect, ExecutionStrategy, Layer, Logger, LogLevel, Ref, Scope } from "effect"
import { live } from "../../../../test/utils/http.js"

export { eventually, fetchReply, get, live } from "../../../../test/utils/http.js"
export type { Reply } from "../../../../test/utils/http.js"

/**
 * A scope the test closes itself, to assert what release does; closed with the test's own scope when the test
 * fails first, so that nothing it holds (a client, a check loop) outlives the test and troubles the next one.
 */
export const childScope: Effect.Effect<Scope.CloseableScope, never, Scope.Scope> = Effect.flatMap(
  Effect.scope,
  (scope) => Scope.fork(scope, ExecutionStrategy.sequential)
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
  const check = Ref.update(calls, (n) => n + 1).pipe(
    Effect.zipRight(Ref.get(up)),
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

/**
 * `HealthServer.layer` with `RedisClient.healthCheck` (first) over `client`, on a port the system picks (read it
 * from `address`), in the test's scope.
 */
export const serveOn = <E>(
  client: Layer.Layer<RedisClient.RedisClient, E>,
  options: HealthServer.Options = {}
) =>
  buildHealth(
    HealthServer.layer({ port: 0, ...options, checks: [RedisClient.healthCheck, ...options.checks ?? []] }).pipe(
      Layer.provide(client)
    )
  )

/** Serves `HealthRouter.router` over `health` with the `HttpServer` in context (e.g. `NodeHttpServer.layerTest`). */
export const serveRouter = (health: HealthServer.HealthState) =>
  HttpServer.serveEffect(HealthRouter.router).pipe(Effect.provideService(HealthServer.HealthState, health))

export interface LogLine {
  readonly level: string
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
  const collector = Logger.make(({ annotations, logLevel, message }) => {
    logs.push({
      level: logLevel.label,
      message: Array.isArray(message) ? message.join(" ") : String(message),
      annotations: Object.fromEntries(annotations)
    })
  })
  return self(logs).pipe(
    Effect.provide(Layer.merge(Logger.replace(Logger.defaultLogger, collector), Logger.minimumLogLevel(LogLevel.Debug)))
  )
}

/** Each line as `[level, message, { ...the annotations of `keys` it carries }]`: what a test asserts of logs. */
export const summarize = (logs: ReadonlyArray<LogLine>, keys: ReadonlyArray<string>) =>
  logs.map((line) => [
    line.level,
    line.message,
    Object.fromEntries(keys.filter((key) => key in line.annotations).map((key) => [key, line.annotations[key]]))
  ])
