/**
 * Running a service with the health server attached: the Effect counterpart of the Python `StargazerService`,
 * which started the health server with the service when it was enabled and a Redis client was present.
 *
 * ```ts
 * import { RedisClient, Service } from "@stargazer/health-server"
 *
 * const MainLive = Service.withHealthServer(AppLive).pipe(Layer.provide(RedisClient.layerConfig()))
 * Service.runMain(MainLive)
 * ```
 *
 * @since 0.1.0
 */
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as HealthCheck from "./HealthCheck.js"
import * as HealthServer from "./HealthServer.js"
import * as RunMain from "./internal/runMain.js"
import type * as RedisClient from "./RedisClient.js"

/**
 * Attaches the health server to a service layer when `SG_HEALTH_ENABLED` is true (the default), configured
 * as `HealthServerLive` is, with the service's own `checks` beside `redis`.
 *
 * The health configuration is read before the service starts, so an invalid value stops start-up before
 * the service starts or anything binds (layers provided to the result, such as the `RedisClient`, are built
 * first). Then the service is acquired, and the health server binds once it is up. On shutdown the health
 * server drains first (readiness `503`, liveness `200`, for `SG_HEALTH_SHUTDOWN_DELAY`), then the service's
 * own layers are released. The `HealthServer` service is not part of the result: the service is built
 * before the health server and cannot depend on it. The `RedisClient` it pings is the one provided
 * to the result, shared with the service when the service uses it too.
 *
 * @since 0.1.0
 * @category layers
 */
export const withHealthServer = <A, E, R>(
  service: Layer.Layer<A, E, R>,
  options: { readonly checks?: ReadonlyArray<HealthCheck.HealthCheck> | undefined } = {}
): Layer.Layer<
  A,
  E | HealthServer.HealthServerError | HealthServer.HealthServerOptionsError | ConfigError.ConfigError,
  R | RedisClient.RedisClient
> =>
  Layer.unwrapEffect(Effect.gen(function*() {
    if (!(yield* HealthServer.enabled)) {
      return service
    }
    const config = yield* HealthServer.config
    return HealthServer.layer({ ...config, checks: options.checks }).pipe(
      Layer.map(() => Context.empty()),
      Layer.provideMerge(service)
    )
  }))

/**
 * Runs a service layer as the process's main program until SIGTERM, SIGINT, SIGHUP or SIGUSR2, then
 * releases its layers in reverse order of acquisition (the health server drains first) and exits `0`.
 *
 * - Copies of the signal that arrive during the shutdown (a wrapper such as pnpm, npm, `sh -c` or tini
 *   forwarding the signal the process group also got, or a supervisor sending it twice) are logged and
 *   ignored; only a person's second Ctrl-C, a SIGINT at least 1 second after the first, ends the process at
 *   once (exit `130`).
 * - The shutdown is bounded: if the layers have not been released `SG_HEALTH_SHUTDOWN_DELAY +
 *   SG_HEALTH_STOP_TIMEOUT` after the signal, `shutdown_forced` is logged and the process exits `1`.
 * - A layer that fails to build (bad configuration, port in use) is logged and the process exits `1` with
 *   nothing left running.
 *
 * @since 0.1.0
 * @category constructors
 */
export const runMain = <A, E>(service: Layer.Layer<A, E>): void => RunMain.runMain(service, HealthServer.shutdownConfig)
