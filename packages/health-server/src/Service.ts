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
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as HealthCheck from "./HealthCheck.js"
import * as HealthServer from "./HealthServer.js"
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
 * Runs a service layer until SIGTERM or SIGINT (`NodeRuntime.runMain`), then releases its layers in reverse
 * order of acquisition and exits `0`. A layer that fails to build (bad configuration, port in use) is logged
 * and the process exits `1` with nothing left running.
 *
 * @since 0.1.0
 * @category constructors
 */
export const runMain = <A, E>(service: Layer.Layer<A, E>): void => NodeRuntime.runMain(Layer.launch(service))
