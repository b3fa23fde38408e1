/**
 * The runner's layer: the health server attached to an application's layers, from the environment.
 *
 * @internal
 */
import type * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as HealthCheck from "../HealthCheck.js"
import type * as HealthServer from "../HealthServer.js"
import type * as RedisClient from "../RedisClient.js"
import * as environment from "./environment.js"
import * as RunMain from "./runMain.js"

/** @internal */
export const layer = <A, E, R, RC = never>(
  app: Layer.Layer<A, E, R>,
  options: { readonly checks?: ReadonlyArray<HealthCheck.HealthCheck<RC>> | undefined } = {}
): Layer.Layer<
  A,
  E | HealthServer.HealthServerError | HealthServer.HealthServerOptionsError | Config.ConfigError,
  R | Exclude<RedisClient.RedisClient | RC, A>
> =>
  Layer.unwrap(Effect.gen(function*() {
    if (!(yield* environment.enabled)) return app
    const { metrics, options: config } = yield* environment.health
    return environment.fromEnvironment({ ...config, checks: options.checks }, metrics).pipe(
      // Only the app's services come out: the health server is built on top of it and released first.
      Layer.flatMap(() => Layer.empty),
      Layer.provideMerge(app)
    )
  }))

/** @internal */
export const runMain = <A, E>(app: Layer.Layer<A, E>): void => RunMain.runMain(app, environment.shutdown)
