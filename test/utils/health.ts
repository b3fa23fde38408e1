/**
 * Helpers shared by the suites: a scripted ping for TestClock tests, a log collector, and plain HTTP GETs.
 */
import { it } from "@effect/vitest"
import type { HealthStatus } from "@stargazer/health-server"
import { HealthServer } from "@stargazer/health-server"
import { Context, Duration, Effect, Layer, Logger, LogLevel, Ref, Schedule } from "effect"
import type { Scope } from "effect"

/** A real-time scoped test (real Redis, real sockets), with the library's logs kept out of the test output. */
export const live = <A, E>(name: string, self: () => Effect.Effect<A, E, Scope.Scope>, timeout?: number) =>
  it.scopedLive(name, () => self().pipe(Logger.withMinimumLogLevel(LogLevel.None)), timeout)

/** A ping that succeeds while `up` holds true and fails with `down` otherwise; counts its calls. */
export const scriptedPing = Effect.gen(function*() {
  const up = yield* Ref.make(true)
  const calls = yield* Ref.make(0)
  const ping = Ref.update(calls, (n) => n + 1).pipe(
    Effect.zipRight(Ref.get(up)),
    Effect.flatMap((ok) => ok ? Effect.void : Effect.fail(new Error("down")))
  )
  return { up, calls, ping } as const
})

/** The state of one check (default: the built-in `redis` check). */
export const checkStatus = (
  health: HealthServer.HealthServer["Type"],
  name = "redis"
): Effect.Effect<HealthStatus.CheckStatus> =>
  Effect.map(health.status, (status) => status.checks.find((check) => check.name === name)!)

/** Builds `layer` in the current scope and returns the service it provides. */
export const buildHealth = <E, R>(
  layer: Layer.Layer<HealthServer.HealthServer, E, R>
): Effect.Effect<HealthServer.HealthServer["Type"], E, R | Scope.Scope> =>
  Effect.map(Layer.build(layer), Context.get(HealthServer.HealthServer))

export interface LogLine {
  readonly level: string
  readonly message: string
  readonly annotations: Record<string, unknown>
}

/** Collects every log line (Debug and up) emitted while `self` runs, including by fibers it forks. */
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
    Effect.provide(Layer.merge(Logger.add(collector), Logger.minimumLogLevel(LogLevel.Debug)))
  )
}

export interface Reply {
  readonly status: number
  readonly body: string
  readonly contentType: string | null
}

/** A plain GET over a real socket (undici's fetch), bounded so a hung server fails the test. */
export const get = (port: number, path: string, host = "127.0.0.1"): Effect.Effect<Reply, Error> =>
  Effect.tryPromise({
    try: async (signal) => {
      const response = await fetch(`http://${host}:${port}${path}`, { signal, headers: { connection: "close" } })
      return { status: response.status, body: await response.text(), contentType: response.headers.get("content-type") }
    },
    catch: (cause) => cause instanceof Error ? cause : new Error(String(cause))
  }).pipe(Effect.timeoutFail({ duration: "5 seconds", onTimeout: () => new Error(`GET ${path} timed out`) }))

/** Polls `read` with real time until `predicate` holds (bounded generously), and returns that value. */
export const eventually = <A>(
  read: Effect.Effect<A>,
  predicate: (a: A) => boolean,
  within: Duration.DurationInput = "15 seconds"
): Effect.Effect<A, Error> =>
  read.pipe(
    Effect.filterOrFail(predicate, () => new Error("condition not met")),
    Effect.retry(Schedule.spaced("25 millis")),
    Effect.timeoutFail({
      duration: within,
      onTimeout: () => new Error(`condition not met within ${Duration.format(Duration.decode(within))}`)
    })
  )
