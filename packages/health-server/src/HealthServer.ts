/**
 * The liveness/readiness probe server: `/healthz`, `/livez`, `/readyz` and `/startupz` answered from a cached
 * health state, which a background fiber keeps up to date by running the checks (Redis PING, named `redis`,
 * and the application's own) every `pingInterval`.
 *
 * @since 0.1.0
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as HttpMiddleware from "@effect/platform/HttpMiddleware"
import type * as HttpRouter from "@effect/platform/HttpRouter"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import * as Http from "node:http"
import * as HealthCheck from "./HealthCheck.js"
import * as HealthStatus from "./HealthStatus.js"
import * as PingLoop from "./internal/pingLoop.js"
import * as Routes from "./internal/routes.js"
import * as RedisClient from "./RedisClient.js"

/**
 * The running health server, as the application sees it.
 *
 * @since 0.1.0
 * @category tags
 */
export class HealthServer extends Context.Tag("@stargazer/health-server/HealthServer")<HealthServer, {
  /** The current cached state: probe answers and every check. */
  readonly status: Effect.Effect<HealthStatus.HealthStatus>
  /**
   * The current state, then every change of a probe answer, a flag or a check's condition (healthy,
   * unhealthy, stale). Await a transition with it instead of polling.
   */
  readonly changes: Stream.Stream<HealthStatus.HealthStatus>
  /** Takes the application out of rotation (`/readyz` answers 503); liveness is untouched. */
  readonly markNotReady: Effect.Effect<void>
  /** Puts it back (readiness follows the checks again). */
  readonly markReady: Effect.Effect<void>
  /** What the routes need to present the state. */
  readonly settings: {
    readonly gates: HealthStatus.Gates
    readonly exposeDetails: boolean
  }
}>() {}

/**
 * Options of the check loop and the probes (everything but the socket).
 *
 * @since 0.1.0
 * @category models
 */
export interface StateOptions {
  /** The built-in check named `redis` (`HealthServer.layer` sets it to the `RedisClient`'s PING). */
  readonly ping?: Effect.Effect<unknown, unknown> | undefined
  /** The application's own checks, run beside `redis`. */
  readonly checks?: ReadonlyArray<HealthCheck.HealthCheck> | undefined
  /** Gap between the end of one run of a check and the start of the next; default `5 seconds`. */
  readonly pingInterval?: Duration.DurationInput | undefined
  /** Default bound on each run of a check; default `1 second`. */
  readonly pingTimeout?: Duration.DurationInput | undefined
  /** Default consecutive failures before a check turns unhealthy; an integer >= 1, default `3`. */
  readonly failureThreshold?: number | undefined
  /** Default consecutive successes before an unhealthy check turns healthy; an integer >= 1, default `1`. */
  readonly successThreshold?: number | undefined
  /** The checks that gate liveness; default `["redis"]` when there is a `redis` check, else none. */
  readonly livenessChecks?: ReadonlyArray<string> | undefined
  /** `healthy` (default): ready until checks fail. `starting`: not ready until every check has passed once. */
  readonly initialState?: "healthy" | "starting" | undefined
  /** Whether failure reasons appear in `?verbose` and JSON bodies; default `false` (they are always logged). */
  readonly exposeDetails?: boolean | undefined
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
  /**
   * How long the server keeps answering after its scope starts closing (readiness `503`, liveness `200`),
   * so the orchestrator stops sending traffic before the app goes away; default `0 seconds`.
   */
  readonly shutdownDelay?: Duration.DurationInput | undefined
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

/**
 * An option given in code is invalid (a threshold below 1, a duplicate or malformed check name, a liveness
 * check that does not exist). Nothing was started.
 *
 * @since 0.1.0
 * @category errors
 */
export class HealthServerOptionsError extends Data.TaggedError("HealthServerOptionsError")<{
  readonly option: string
  readonly problem: string
}> {
  override get message() {
    return `Invalid health server option ${this.option}: ${this.problem}`
  }
}

interface Resolved {
  readonly loop: PingLoop.LoopOptions
  readonly exposeDetails: boolean
}

const resolve = (options: StateOptions): Effect.Effect<Resolved, HealthServerOptionsError> =>
  Effect.gen(function*() {
    const invalid = (option: string, problem: string) => new HealthServerOptionsError({ option, problem })
    const threshold = (option: string, value: number) =>
      Number.isInteger(value) && value >= 1
        ? Effect.succeed(value)
        : Effect.fail(invalid(option, `must be an integer >= 1, got ${value}`))
    const positive = (option: string, value: Duration.DurationInput) => {
      const duration = Duration.decode(value)
      return Duration.greaterThan(duration, Duration.zero)
        ? Effect.succeed(duration)
        : Effect.fail(invalid(option, "must be greater than zero"))
    }
    const interval = yield* positive("pingInterval", options.pingInterval ?? "5 seconds")
    const timeout = yield* positive("pingTimeout", options.pingTimeout ?? "1 second")
    const failureThreshold = yield* threshold("failureThreshold", options.failureThreshold ?? 3)
    const successThreshold = yield* threshold("successThreshold", options.successThreshold ?? 1)

    const given: Array<HealthCheck.HealthCheck> = options.ping === undefined
      ? []
      : [HealthCheck.make({ name: HealthCheck.redisCheckName, check: options.ping })]
    given.push(...(options.checks ?? []))
    const checks: Array<PingLoop.ResolvedCheck> = []
    for (const check of given) {
      const option = `checks[${check.name}]`
      if (!HealthCheck.isValidName(check.name)) {
        return yield* invalid(option, "a check name is 1 to 64 letters, digits, '-', '_' or '.'")
      }
      if (checks.some((other) => other.name === check.name)) {
        return yield* invalid(option, "two checks have this name")
      }
      const checkTimeout = yield* positive(`${option}.timeout`, check.timeout ?? timeout)
      checks.push({
        name: check.name,
        check: check.check,
        timeout: checkTimeout,
        failureThreshold: yield* threshold(`${option}.failureThreshold`, check.failureThreshold ?? failureThreshold),
        successThreshold: yield* threshold(`${option}.successThreshold`, check.successThreshold ?? successThreshold),
        staleAfterMillis: HealthStatus.staleAfterMillis(Duration.toMillis(interval), Duration.toMillis(checkTimeout))
      })
    }

    const names = new Set(checks.map((check) => check.name))
    const liveness = options.livenessChecks ?? (names.has(HealthCheck.redisCheckName) ? ["redis"] : [])
    for (const name of liveness) {
      if (!names.has(name)) {
        return yield* invalid(
          "livenessChecks (SG_HEALTH_LIVENESS_CHECKS)",
          `no check is named "${name}" (the checks are: ${[...names].join(", ") || "none"})`
        )
      }
    }
    return {
      loop: {
        interval,
        checks,
        gates: { liveness: new Set(liveness), initialState: options.initialState ?? "healthy" }
      },
      exposeDetails: options.exposeDetails ?? false
    }
  })

/**
 * Creates the state and forks the check loop; the current scope's release stops the loop (bounded: a wedged
 * check cannot hold the release). Returns the service and a way to start draining (readiness 503) and to stop
 * the loop early.
 */
const start = (resolved: Resolved) =>
  Effect.gen(function*() {
    const { gates } = resolved.loop
    const state = yield* SubscriptionRef.make(
      HealthStatus.initial(resolved.loop.checks.map((check) => check.name), gates)
    )
    const setFlag = (flag: "markedNotReady" | "draining", value: boolean, message: string) =>
      state.modify((status) => {
        const next = HealthStatus.derive({ ...status, [flag]: value }, gates)
        const log = status[flag] === value ? Effect.void : Effect.logInfo(message).pipe(
          Effect.annotateLogs({ package: "@stargazer/health-server", from: status.ready, to: next.ready })
        )
        return [log, next]
      }).pipe(Effect.flatten)
    // Not forkScoped: its release would wait on the loop without bound. `stop` interrupts it with a bound.
    const fiber = yield* Effect.forkDaemon(PingLoop.run(resolved.loop, state))
    const longest = resolved.loop.checks.reduce((max, check) => Duration.max(max, check.timeout), Duration.seconds(1))
    const stopLoop = yield* Effect.once(PingLoop.stop(fiber, longest))
    yield* Effect.addFinalizer(() => stopLoop)
    const service = HealthServer.of({
      status: SubscriptionRef.get(state),
      changes: state.changes.pipe(Stream.changesWith(sameConditions)),
      markNotReady: setFlag("markedNotReady", true, "health_marked_not_ready"),
      markReady: setFlag("markedNotReady", false, "health_marked_ready"),
      settings: { gates, exposeDetails: resolved.exposeDetails }
    })
    return { service, stopLoop, drain: setFlag("draining", true, "health_server_draining") } as const
  })

const sameConditions = (a: HealthStatus.HealthStatus, b: HealthStatus.HealthStatus): boolean =>
  a.live === b.live && a.ready === b.ready && a.started === b.started && a.markedNotReady === b.markedNotReady &&
  a.draining === b.draining &&
  a.checks.every((check, i) => check.healthy === b.checks[i].healthy && check.stale === b.checks[i].stale)

/**
 * The health state without the HTTP server: the check loop (with `ping` as the `redis` check, if given) forked
 * in the layer's scope. Use it to mount `router` in your own server, or to test how your app reacts to the
 * health state with `TestClock` and a scripted `ping`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerState = (options: StateOptions): Layer.Layer<HealthServer, HealthServerOptionsError> =>
  Layer.scoped(HealthServer, Effect.map(Effect.flatMap(resolve(options), start), ({ service }) => service))

/**
 * `/healthz` and `/livez` (liveness: `200 OK`), `/readyz` (readiness: `200 Ready`), `/startupz`
 * (`200 Started`), each `503 Service Unavailable` when failing; per-check `/livez/<name>` and
 * `/readyz/<name>`; `?exclude=<name>`, `?verbose` and `Accept: application/json`; `HEAD` like `GET`, `405` for
 * other methods; `Cache-Control: no-store`. Read from the `HealthServer` service. Serve it in your own server
 * with `HttpServer.serveEffect(HealthServer.router)` over `layerState`.
 *
 * @since 0.1.0
 * @category routing
 */
export const router: HttpRouter.HttpRouter<never, HealthServer> = Routes.make(HealthServer)

/**
 * Binds the probe server, then forks the check loop, all in the current scope. Closing the scope drains:
 * readiness turns `503` at once, the checks stop, the server keeps answering for `shutdownDelay`, then closes
 * and logs `health_server_stopped`. Invalid options fail with `HealthServerOptionsError` and an unbindable
 * socket with `HealthServerError`, with nothing left running.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options: Options
): Effect.Effect<HealthServer["Type"], HealthServerError | HealthServerOptionsError, Scope.Scope> =>
  Effect.gen(function*() {
    const resolved = yield* resolve(options)
    const shutdownDelay = Duration.decode(options.shutdownDelay ?? Duration.zero)
    const host = options.host ?? "127.0.0.1"
    const port = options.port ?? 9090
    const started = yield* Effect.acquireRelease(
      Ref.make(false),
      (started) => Effect.logInfo("health_server_stopped").pipe(Effect.whenEffect(Ref.get(started)))
    )
    // Probes are tiny: a client that sends a request slowly is cut off in seconds, so closing never waits long.
    const nodeServer = Http.createServer({
      requestTimeout: 5_000,
      headersTimeout: 5_000,
      connectionsCheckingInterval: 1_000
    })
    const server = yield* NodeHttpServer.make(() => nodeServer, { host, port }).pipe(
      Effect.mapError((error) => new HealthServerError({ host, port, cause: error.cause }))
    )
    const { drain, service, stopLoop } = yield* start(resolved)
    const app = Effect.catchTag(router, "RouteNotFound", () => Effect.succeed(Routes.notFound))
    yield* server.serve(app).pipe(
      Effect.provideService(HealthServer, service),
      HttpMiddleware.withTracerDisabledWhenEffect(() => true)
    )
    yield* Effect.addFinalizer(() =>
      Effect.gen(function*() {
        yield* drain.pipe(Effect.annotateLogs({ shutdownDelay: Duration.format(shutdownDelay) }))
        yield* stopLoop
        yield* Effect.sleep(shutdownDelay)
        nodeServer.close()
        nodeServer.closeAllConnections()
      })
    )
    yield* Ref.set(started, true)
    const address = server.address
    yield* Effect.logInfo("health_server_started").pipe(
      Effect.annotateLogs({ host, port: address._tag === "TcpAddress" ? address.port : port })
    )
    return service
  }).pipe(Effect.annotateLogs({ package: "@stargazer/health-server" }))

/**
 * The health server with the `RedisClient`'s PING as its `redis` check: binds `host:port` at acquire and forks
 * the check loop; releasing it drains, stops the loop and closes the socket (the `RedisClient` layer owns the
 * connection).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: Options = {}
): Layer.Layer<HealthServer, HealthServerError | HealthServerOptionsError, RedisClient.RedisClient> =>
  Layer.scoped(HealthServer, Effect.flatMap(RedisClient.RedisClient, (redis) => make({ ...options, ping: redis.ping })))

/**
 * `layer` with its options read from `Config`. To add checks to the environment's configuration:
 * `layerConfig(Config.map(HealthServer.config, (options) => ({ ...options, checks: [DatabaseCheck] })))`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  config: Config.Config.Wrap<Options>
): Layer.Layer<
  HealthServer,
  HealthServerError | HealthServerOptionsError | ConfigError.ConfigError,
  RedisClient.RedisClient
> => Layer.unwrapEffect(Effect.map(Config.unwrap(config), layer))

const duration = (
  name: string,
  fallback: Duration.DurationInput,
  valid: (duration: Duration.Duration) => boolean,
  message: string
): Config.Config<Duration.Duration> =>
  Config.duration(name).pipe(
    Config.validate({ message, validation: valid }),
    Config.withDefault(Duration.decode(fallback))
  )

const atLeastOne = (name: string, fallback: number): Config.Config<number> =>
  Config.integer(name).pipe(
    Config.validate({ message: "Expected an integer >= 1", validation: (n) => n >= 1 }),
    Config.withDefault(fallback)
  )

const commaList = (list: string): Array<string> =>
  list.split(",").map((name) => name.trim()).filter((name) => name !== "")

const shutdownDelay = duration("SG_HEALTH_SHUTDOWN_DELAY", "0 seconds", () => true, "Expected a duration")

/**
 * How long the service runner lets a shutdown take (see `Service.runMain`): the drain
 * (`SG_HEALTH_SHUTDOWN_DELAY`, default `0 seconds`) plus the release of the other layers
 * (`SG_HEALTH_STOP_TIMEOUT`, default `10 seconds`, greater than zero).
 *
 * @since 0.1.0
 * @category utils
 */
export const shutdownConfig: Config.Config<{
  readonly shutdownDelay: Duration.Duration
  readonly stopTimeout: Duration.Duration
}> = Config.all({
  shutdownDelay,
  stopTimeout: duration(
    "SG_HEALTH_STOP_TIMEOUT",
    "10 seconds",
    Duration.greaterThan(Duration.zero),
    "Expected a duration greater than zero"
  )
})

/**
 * Whether the service runner attaches the health server: `SG_HEALTH_ENABLED`, default `true`.
 *
 * @since 0.1.0
 * @category utils
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
 * | `SG_HEALTH_SUCCESS_THRESHOLD` | `1` (an integer >= 1) |
 * | `SG_HEALTH_LIVENESS_CHECKS` | `redis` (comma list; empty: none) |
 * | `SG_HEALTH_INITIAL_STATE` | `healthy` (or `starting`) |
 * | `SG_HEALTH_EXPOSE_DETAILS` | `false` |
 * | `SG_HEALTH_SHUTDOWN_DELAY` | `0 seconds` |
 *
 * An invalid value fails with a `ConfigError` that names the variable.
 *
 * @since 0.1.0
 * @category utils
 */
export const config: Config.Config<Options> = Config.all({
  port: Config.integer("SG_HEALTH_PORT").pipe(
    Config.validate({
      message: "Expected a port: an integer from 0 (any free port) to 65535",
      validation: (port) => port >= 0 && port <= 65535
    }),
    Config.withDefault(9090)
  ),
  host: Config.nonEmptyString("SG_HEALTH_HOST").pipe(Config.withDefault("127.0.0.1")),
  pingInterval: duration(
    "SG_HEALTH_PING_INTERVAL",
    "5 seconds",
    Duration.greaterThan(Duration.zero),
    "Expected a duration greater than zero"
  ),
  pingTimeout: duration(
    "SG_HEALTH_PING_TIMEOUT",
    "1 second",
    Duration.greaterThan(Duration.zero),
    "Expected a duration greater than zero"
  ),
  failureThreshold: atLeastOne("SG_HEALTH_FAILURE_THRESHOLD", 3),
  successThreshold: atLeastOne("SG_HEALTH_SUCCESS_THRESHOLD", 1),
  livenessChecks: Config.string("SG_HEALTH_LIVENESS_CHECKS").pipe(
    Config.validate({
      message: "Expected a comma-separated list of check names",
      validation: (list) => commaList(list).every(HealthCheck.isValidName)
    }),
    Config.withDefault("redis"),
    Config.map(commaList)
  ),
  initialState: Config.literal("healthy", "starting")("SG_HEALTH_INITIAL_STATE").pipe(Config.withDefault("healthy")),
  exposeDetails: Config.boolean("SG_HEALTH_EXPOSE_DETAILS").pipe(Config.withDefault(false)),
  shutdownDelay
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
  HealthServerError | HealthServerOptionsError | ConfigError.ConfigError,
  RedisClient.RedisClient
> = layerConfig(config)
