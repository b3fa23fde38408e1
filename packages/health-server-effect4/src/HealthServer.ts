/**
 * The liveness/readiness probe server: `/healthz`, `/livez`, `/readyz` and `/startupz` answered from a cached
 * health state, which a background fiber keeps up to date by running the checks (the application's own, and
 * `RedisClient.healthCheck`) every `checkInterval`.
 *
 * @since 0.1.0
 */
import type * as Config from "effect/Config"
import type * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import type * as Stream from "effect/Stream"
import type * as HealthCheck from "./HealthCheck.js"
import type * as HealthStatus from "./HealthStatus.js"
import * as environment from "./internal/environment.js"
import * as errors from "./internal/errors.js"
import * as internal from "./internal/healthServer.js"
import * as service from "./internal/service.js"
import type * as RedisClient from "./RedisClient.js"

/**
 * The health state, as the application reads and steers it. Provided by every layer of this module; code
 * that needs only this (not the bound address) works over `layerState` too, e.g. under `TestClock`.
 *
 * @since 0.1.0
 * @category models
 */
export interface HealthState {
  /** The current cached state: probe answers and every check. */
  readonly status: Effect.Effect<HealthStatus.HealthStatus>
  /**
   * The current state, then every change of a probe answer, a flag or a check's condition (healthy,
   * unhealthy, stale). Await a transition with it instead of polling. A subscriber that stops reading holds
   * the latest state only, not every change it missed.
   */
  readonly changes: Stream.Stream<HealthStatus.HealthStatus>
  /** Takes the application out of rotation (`/readyz` answers 503); liveness is untouched. */
  readonly markNotReady: Effect.Effect<void>
  /** Puts it back (readiness follows the checks again). */
  readonly markReady: Effect.Effect<void>
  /**
   * What `HealthRouter` answers with besides `status`. The library's services carry their own; a test double
   * may leave it out: `redis` then gates liveness when there is such a check, and failure reasons and details
   * are withheld.
   */
  readonly settings?: ProbeSettings | undefined
}

/**
 * Which checks gate liveness (the others gate readiness only), whether readiness waits for every check to
 * pass once (`starting`), and whether failure reasons and details appear in `?verbose` and JSON bodies.
 *
 * @since 0.1.0
 * @category models
 */
export interface ProbeSettings {
  readonly livenessChecks: ReadonlyArray<string>
  readonly initialState: "healthy" | "starting"
  readonly exposeDetails: boolean
}

/**
 * The host and port the probe server is bound to (with `port: 0`, the port the system picked).
 *
 * @since 0.1.0
 * @category models
 */
export interface Address {
  readonly host: string
  readonly port: number
}

/**
 * The running health server: its state and where it listens.
 *
 * @since 0.1.0
 * @category models
 */
export interface HealthServer extends HealthState {
  readonly address: Address
}

/**
 * @since 0.1.0
 * @category tags
 */
export const HealthState: Context.Service<HealthState, HealthState> = service.HealthState

/**
 * @since 0.1.0
 * @category tags
 */
export const HealthServer: Context.Service<HealthServer, HealthServer> = service.HealthServerTag

/**
 * Options of the checks and the probes (everything but the socket).
 *
 * @since 0.1.0
 * @category models
 */
export interface StateOptions<R = never> {
  /**
   * The checks to run, needing the services `R` (the health server needs them then, and gives them to the
   * checks): the application's own, and `RedisClient.healthCheck` for the `RedisClient` in context.
   */
  readonly checks?: ReadonlyArray<HealthCheck.HealthCheck<R>> | undefined
  /** Gap between the end of one run of a check and the start of the next; default `5 seconds`. */
  readonly checkInterval?: Duration.Input | undefined
  /** Default bound on each run of a check; default `1 second`. */
  readonly checkTimeout?: Duration.Input | undefined
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
export interface Options<R = never> extends StateOptions<R> {
  /** Default `9090`; `0` picks a free port (read it from `address`). */
  readonly port?: number | undefined
  /** Default `"127.0.0.1"`. A Kubernetes `httpGet` probe reaches the pod IP: use `"0.0.0.0"` there. */
  readonly host?: string | undefined
  /**
   * How long the server keeps answering after its scope starts closing (readiness `503`, liveness `200`),
   * so the orchestrator stops sending traffic before the app goes away; default `0 seconds`.
   */
  readonly shutdownDelay?: Duration.Input | undefined
}

/**
 * The probe server could not listen, e.g. because the port is in use. Nothing is left running. Its message is one
 * line that says what to change (`...: address already in use; set SG_HEALTH_PORT to a free port, or 0 for any`):
 * the option (`host` or `port`) and, where it was read from the environment, the variable. The system error is
 * kept as its `code` (`EADDRINUSE`, `EADDRNOTAVAIL`, `EACCES`, ...) and `reason`.
 *
 * @since 0.1.0
 * @category errors
 */
export const HealthServerError: typeof errors.HealthServerError = errors.HealthServerError

/**
 * @since 0.1.0
 * @category errors
 */
export type HealthServerError = errors.HealthServerError

/**
 * An option is invalid (a threshold below 1, a duplicate or malformed check name, a liveness check that does
 * not exist). It names the option, and the variable when the option came from the environment. Nothing was
 * started.
 *
 * @since 0.1.0
 * @category errors
 */
export const HealthServerOptionsError: typeof errors.HealthServerOptionsError = errors.HealthServerOptionsError

/**
 * @since 0.1.0
 * @category errors
 */
export type HealthServerOptionsError = errors.HealthServerOptionsError

/**
 * Binds the probe server, then forks the check loop, all in the current scope. Closing the scope drains:
 * readiness turns `503` at once, the checks stop, the server keeps answering for `shutdownDelay`, then closes
 * and logs `health_server_stopped`. Runs `options.checks`, and needs what they need (`R`): add
 * `RedisClient.healthCheck` to check the `RedisClient` in context.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: <R = never>(
  options: Options<R>
) => Effect.Effect<HealthServer, HealthServerError | HealthServerOptionsError, Scope.Scope | R> = internal.make

/**
 * The state without the HTTP server: the checks' loop forked in the layer's scope. Use it to mount
 * `HealthRouter.router` in your own server, or to test how your app reacts to its health with `TestClock`
 * and scripted checks.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerState: <R = never>(
  options: StateOptions<R>
) => Layer.Layer<HealthState, HealthServerOptionsError, R> = internal.layerState

/**
 * The layer of `make`: the same options, the same checks, the same requirements; it provides both
 * `HealthServer` and `HealthState`. Releasing it drains, stops the loop and closes the socket (a `RedisClient`
 * layer owns its connection).
 *
 * ```ts
 * HealthServer.layer({ checks: [RedisClient.healthCheck, DatabaseCheck] }) // needs a RedisClient
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: <R = never>(
  options?: Options<R>
) => Layer.Layer<HealthServer | HealthState, HealthServerError | HealthServerOptionsError, R> = (options = {}) =>
  internal.layer(options)

/**
 * `layer` with its options read from `Config`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig: <R = never>(
  config: Config.Wrap<Options<R>>
) => Layer.Layer<
  HealthServer | HealthState,
  HealthServerError | HealthServerOptionsError | Config.ConfigError,
  R
> = internal.layerConfig

/**
 * The options `HealthServerLive` reads from the environment (see the README's table). Give it the checks:
 * `HealthServer.layerConfig(Config.map(HealthServer.config, (o) => ({ ...o, checks: [RedisClient.healthCheck,
 * DbCheck] })))`.
 *
 * @since 0.1.0
 * @category environment
 */
export const config: Config.Config<Options> = environment.healthConfig

/**
 * The application-ready health server: `layer` with its options read from the environment (`SG_HEALTH_*`) and
 * `RedisClient.healthCheck` as its check.
 * An invalid value fails with `HealthServerOptionsError` naming the variable (`Invalid SG_HEALTH_PORT: ...`), a
 * port in use with `HealthServerError` naming `SG_HEALTH_PORT`, before anything binds; a `ConfigError` only
 * when the `ConfigProvider` itself cannot be read.
 *
 * @since 0.1.0
 * @category layers
 */
export const HealthServerLive: Layer.Layer<
  HealthServer | HealthState,
  HealthServerError | HealthServerOptionsError | Config.ConfigError,
  RedisClient.RedisClient
> = environment.HealthServerLive
