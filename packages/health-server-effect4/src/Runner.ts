/**
 * Runs an application's layers as a process with the health server attached: the Effect counterpart of the
 * Python `StargazerService`, which started the health server with the service when it was enabled and a
 * Redis client was present.
 *
 * ```ts
 * import { RedisClient, Runner } from "@stargazer/health-server-effect4"
 *
 * Runner.runMain(Runner.layer(AppLive).pipe(Layer.provide(RedisClient.RedisClientLive)))
 * ```
 *
 * @since 0.1.0
 */
import type * as Config from "effect/Config"
import type * as Layer from "effect/Layer"
import type * as HealthCheck from "./HealthCheck.js"
import type * as HealthServer from "./HealthServer.js"
import * as internal from "./internal/runner.js"
import type * as RedisClient from "./RedisClient.js"

/**
 * Attaches the health server to `app` when `SG_HEALTH_ENABLED` is true (the default), configured as
 * `HealthServerLive` is, with the application's own `checks` beside `redis`. A check may need services that
 * `app` provides (they are given to it) or that are provided to the result.
 *
 * The configuration is read before `app` starts, so an invalid value stops start-up before anything binds.
 * Then `app` is acquired, and the health server binds once it is up; on shutdown the health server drains
 * first (readiness `503`, liveness `200`, for `SG_HEALTH_SHUTDOWN_DELAY`), then `app`'s layers are released.
 * `app` is built before the health server and cannot depend on it.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: <A, E, R, RC = never>(
  app: Layer.Layer<A, E, R>,
  options?: { readonly checks?: ReadonlyArray<HealthCheck.HealthCheck<RC>> | undefined }
) => Layer.Layer<
  A,
  E | HealthServer.HealthServerError | HealthServer.HealthServerOptionsError | Config.ConfigError,
  R | Exclude<RedisClient.RedisClient | RC, A>
> = internal.layer

/**
 * Runs `app` as the process's main program until SIGTERM, SIGINT, SIGHUP or SIGUSR2, then releases its layers
 * in reverse order of acquisition (the health server drains first) and exits `0`.
 *
 * - Copies of the signal that arrive during the shutdown (a wrapper such as pnpm, npm, `sh -c` or tini
 *   forwarding the signal the process group also got, or a supervisor sending it twice) are logged and
 *   ignored; only a person's second Ctrl-C, a SIGINT at least 1 second after the first, ends the process at
 *   once (exit `130`).
 * - The shutdown is bounded: if the layers have not been released `SG_HEALTH_SHUTDOWN_DELAY +
 *   SG_HEALTH_STOP_TIMEOUT` after the signal, `shutdown_forced` is logged and the process exits `1`.
 * - A layer that fails to build (bad configuration, port in use) is logged and the process exits `1` with
 *   nothing left running.
 * - As the process's root, it logs with `Logger.consolePretty()` (in place of Effect's default logger, as the
 *   Effect 3 runner did) and reads the environment with `ConfigProvider.fromEnv({ preserveEmptyStrings: true })`,
 *   so that an empty variable is a value (`SG_HEALTH_LIVENESS_CHECKS=`: no liveness check). A logger or a
 *   `ConfigProvider` that `app` provides itself wins.
 *
 * @since 0.1.0
 * @category running
 */
export const runMain: <A, E>(app: Layer.Layer<A, E>) => void = internal.runMain
