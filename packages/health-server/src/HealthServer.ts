/**
 * The liveness/readiness probe server: `GET /healthz` and `GET /readyz` answered from a cached health
 * status, which a background fiber keeps up to date by pinging Redis every `pingInterval`.
 *
 * @since 0.1.0
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as HttpMiddleware from "@effect/platform/HttpMiddleware"
import type * as HttpRouter from "@effect/platform/HttpRouter"
import * as Cause from "effect/Cause"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"
import type * as Scope from "effect/Scope"
import * as Http from "node:http"
import * as HealthStatus from "./HealthStatus.js"
import * as PingLoop from "./internal/pingLoop.js"
import * as Routes from "./internal/routes.js"
import * as RedisClient from "./RedisClient.js"

/**
 * The running health server, as the application sees it: the current cached status.
 *
 * @since 0.1.0
 * @category tags
 */
export class HealthServer extends Context.Tag("@stargazer/health-server/HealthServer")<HealthServer, {
  readonly status: Effect.Effect<HealthStatus.HealthStatus>
}>() {}

/**
 * Options of the ping loop (everything but the socket).
 *
 * @since 0.1.0
 * @category models
 */
export interface StateOptions {
  /** Gap between the end of one ping and the start of the next; default `5 seconds`. */
  readonly pingInterval?: Duration.DurationInput | undefined
  /** Bound on each ping; a ping still unanswered then counts as a failure. Default `1 second`. */
  readonly pingTimeout?: Duration.DurationInput | undefined
  /** Consecutive failures before the status turns unhealthy; an integer >= 1, default `3`. */
  readonly failureThreshold?: number | undefined
}

/**
 * Options of the health server.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options extends StateOptions {
  /** Default `9090`; `0` picks a free port. */
  readonly port?: number | undefined
  /** Default `"127.0.0.1"`. A Kubernetes `httpGet` probe reaches the pod IP: use `"0.0.0.0"` there. */
  readonly host?: string | undefined
}

/**
 * The health server could not listen, e.g. because the port is in use. Nothing is left running.
 *
 * @since 0.1.0
 * @category errors
 */
export class HealthServerError extends Data.TaggedError("HealthServerError")<{
  readonly host: string
  readonly port: number
  readonly cause: unknown
}> {
  override get message() {
    const code = typeof this.cause === "object" && this.cause !== null && "code" in this.cause
      ? this.cause.code
      : undefined
    const why = code === "EADDRINUSE"
      ? "address already in use"
      : this.cause instanceof Error
      ? this.cause.message
      : String(this.cause)
    return `Health server cannot listen on ${this.host}:${this.port}: ${why}`
  }
}

/** Programmatic options are the programmer's: an invalid threshold is a defect, not an error. */
const loopOptions = (options: StateOptions): Effect.Effect<PingLoop.LoopOptions> => {
  const failureThreshold = options.failureThreshold ?? 3
  return Number.isInteger(failureThreshold) && failureThreshold >= 1
    ? Effect.succeed({
      interval: Duration.decode(options.pingInterval ?? "5 seconds"),
      timeout: Duration.decode(options.pingTimeout ?? "1 second"),
      failureThreshold
    })
    : Effect.die(
      new Cause.IllegalArgumentException(`failureThreshold must be an integer >= 1, got ${failureThreshold}`)
    )
}

/**
 * Forks the ping loop in the current scope and returns the service reading its status.
 */
const startLoop = <E, R>(
  ping: Effect.Effect<void, E, R>,
  state: Ref.Ref<HealthStatus.HealthStatus>,
  options: PingLoop.LoopOptions
): Effect.Effect<void, never, R | Scope.Scope> => Effect.asVoid(Effect.forkScoped(PingLoop.run(ping, state, options)))

const makeService = (state: Ref.Ref<HealthStatus.HealthStatus>): HealthServer["Type"] =>
  HealthServer.of({ status: Ref.get(state) })

/**
 * The health state without the HTTP server: the ping loop over any `ping` effect, forked in the layer's
 * scope. Use it to mount `router` in your own server, or to test how your app reacts to the health state
 * with `TestClock` and a scripted `ping`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerState = <E, R>(
  options: StateOptions & { readonly ping: Effect.Effect<void, E, R> }
): Layer.Layer<HealthServer, never, R> =>
  Layer.scoped(
    HealthServer,
    Effect.gen(function*() {
      const loop = yield* loopOptions(options)
      const state = yield* Ref.make(HealthStatus.initial)
      yield* startLoop(options.ping, state, loop)
      return makeService(state)
    })
  )

/**
 * `GET /healthz` (`200 OK` or `503 Service Unavailable`) and `GET /readyz` (`200 Ready` or
 * `503 Service Unavailable`), read from the `HealthServer` service. Serve it in your own server with
 * `HttpServer.serveEffect(HealthServer.router)` over `layerState`.
 *
 * @since 0.1.0
 * @category routing
 */
export const router: HttpRouter.HttpRouter<never, HealthServer> = Routes.make(
  Effect.flatMap(HealthServer, (server) => Effect.map(server.status, (status) => status.healthy))
)

/**
 * Binds the probe server, then forks the ping loop, all in the current scope: closing it stops the loop and
 * closes the socket, then logs `health_server_stopped`. If the socket cannot be bound nothing is forked and
 * the effect fails with `HealthServerError`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <E, R>(
  options: Options & { readonly ping: Effect.Effect<void, E, R> }
): Effect.Effect<HealthServer["Type"], HealthServerError, R | Scope.Scope> =>
  Effect.gen(function*() {
    const loop = yield* loopOptions(options)
    const host = options.host ?? "127.0.0.1"
    const port = options.port ?? 9090
    const started = yield* Effect.acquireRelease(
      Ref.make(false),
      (started) => Effect.logInfo("health_server_stopped").pipe(Effect.whenEffect(Ref.get(started)))
    )
    const state = yield* Ref.make(HealthStatus.initial)
    const service = makeService(state)
    const server = yield* NodeHttpServer.make(() => Http.createServer(), { host, port }).pipe(
      Effect.mapError((error) => new HealthServerError({ host, port, cause: error.cause }))
    )
    yield* server.serve(router).pipe(
      Effect.provideService(HealthServer, service),
      HttpMiddleware.withTracerDisabledWhenEffect(() => true)
    )
    yield* startLoop(options.ping, state, loop)
    yield* Ref.set(started, true)
    const address = server.address
    yield* Effect.logInfo("health_server_started").pipe(
      Effect.annotateLogs({ host, port: address._tag === "TcpAddress" ? address.port : port })
    )
    return service
  }).pipe(Effect.annotateLogs({ package: "@stargazer/health-server" }))

/**
 * The health server pinging the `RedisClient`: binds `host:port` at acquire and forks the ping loop;
 * releasing it interrupts the loop and closes the socket (the `RedisClient` layer owns the connection).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<HealthServer, HealthServerError, RedisClient.RedisClient> =>
  Layer.scoped(HealthServer, Effect.flatMap(RedisClient.RedisClient, (redis) => make({ ...options, ping: redis.ping })))

/**
 * `layer` with its options read from `Config`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  config: Config.Config.Wrap<Options>
): Layer.Layer<HealthServer, HealthServerError | ConfigError.ConfigError, RedisClient.RedisClient> =>
  Layer.unwrapEffect(Effect.map(Config.unwrap(config), layer))

const positiveDuration = (name: string, fallback: Duration.DurationInput): Config.Config<Duration.Duration> =>
  Config.duration(name).pipe(
    Config.validate({
      message: "Expected a duration greater than zero",
      validation: (d: Duration.Duration) => Duration.greaterThan(d, 0)
    }),
    Config.withDefault(Duration.decode(fallback))
  )

/**
 * Whether the service runner attaches the health server: `SG_HEALTH_ENABLED`, default `true`.
 *
 * @since 0.1.0
 * @category layers
 */
export const enabled: Config.Config<boolean> = Config.boolean("SG_HEALTH_ENABLED").pipe(Config.withDefault(true))

/**
 * The options `HealthServerLive` reads from the environment:
 *
 * | variable | default |
 * | --- | --- |
 * | `SG_HEALTH_PORT` | `9090` |
 * | `SG_HEALTH_HOST` | `127.0.0.1` (an empty value counts as unset) |
 * | `SG_HEALTH_PING_INTERVAL` | `5 seconds` |
 * | `SG_HEALTH_PING_TIMEOUT` | `1 second` |
 * | `SG_HEALTH_FAILURE_THRESHOLD` | `3` (an integer >= 1) |
 *
 * An invalid value fails with a `ConfigError` that names the variable.
 *
 * @since 0.1.0
 * @category utils
 */
export const config: Config.Config<Options> = Config.all({
  port: Config.port("SG_HEALTH_PORT").pipe(Config.withDefault(9090)),
  host: Config.nonEmptyString("SG_HEALTH_HOST").pipe(Config.withDefault("127.0.0.1")),
  pingInterval: positiveDuration("SG_HEALTH_PING_INTERVAL", "5 seconds"),
  pingTimeout: positiveDuration("SG_HEALTH_PING_TIMEOUT", "1 second"),
  failureThreshold: Config.integer("SG_HEALTH_FAILURE_THRESHOLD").pipe(
    Config.validate({ message: "Expected an integer >= 1", validation: (n) => n >= 1 }),
    Config.withDefault(3)
  )
})

/**
 * The application-ready health server: `layer` with its options read from the environment (see `config`).
 * An invalid value fails with a `ConfigError` naming the variable, before anything binds.
 *
 * @since 0.1.0
 * @category layers
 */
export const HealthServerLive: Layer.Layer<
  HealthServer,
  HealthServerError | ConfigError.ConfigError,
  RedisClient.RedisClient
> = layerConfig(config)
