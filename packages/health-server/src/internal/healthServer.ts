/**
 * The health server's lifecycle: options resolved, state created, socket bound, loop forked, at acquire;
 * drain, loop stopped, socket closed, at release.
 *
 * @internal
 */
import { defaults } from "@stargazer/health-core/options"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import type * as HealthServer from "../HealthServer.js"
import * as CheckLoop from "./checkLoop.js"
import type { HealthServerError, HealthServerOptionsError } from "./errors.js"
import { annotate } from "./log.js"
import * as Options from "./options.js"
import * as Server from "./server.js"
import { HealthServerTag, HealthState, toService } from "./service.js"
import * as State from "./state.js"

/** @internal */
export const makeState = <R>(
  options: HealthServer.StateOptions<R>
): Effect.Effect<HealthServer.HealthState, HealthServerOptionsError, Scope.Scope | R> =>
  Effect.gen(function*() {
    const { checks, settings } = yield* Options.resolve(options)
    const state = yield* State.make(settings)
    // Forked and its stop registered in one uninterruptible step: an interrupted start leaves no loop behind.
    yield* Effect.acquireRelease(CheckLoop.start(checks, state), (stopLoop) => stopLoop)
    return yield* toService(state)
  })

/** @internal */
export const layerState = <R>(
  options: HealthServer.StateOptions<R>
): Layer.Layer<HealthServer.HealthState, HealthServerOptionsError, R> => Layer.scoped(HealthState, makeState(options))

/** @internal */
export const make = <R>(
  options: HealthServer.Options<R>
): Effect.Effect<HealthServer.HealthServer, HealthServerError | HealthServerOptionsError, Scope.Scope | R> =>
  Effect.gen(function*() {
    const { checks, settings } = yield* Options.resolve(options)
    const shutdownDelay = Duration.decode(options.shutdownDelay ?? defaults.shutdownDelayMillis)
    const state = yield* State.make(settings)
    const { address, close } = yield* Server.listen(state, {
      host: options.host ?? defaults.host,
      port: options.port ?? defaults.port
    })
    const stopLoop = yield* Effect.acquireRelease(CheckLoop.start(checks, state), (stopLoop) => stopLoop)
    // The drain is owed from the moment the socket answers: a signal while the rest is built drains too.
    yield* Effect.addFinalizer(() =>
      Effect.gen(function*() {
        yield* state.drain.pipe(Effect.annotateLogs({ shutdownDelay: Duration.format(shutdownDelay) }))
        yield* stopLoop
        yield* Effect.sleep(shutdownDelay)
        yield* close
        yield* Effect.logInfo("health_server_stopped")
      }).pipe(annotate)
    )
    yield* Effect.logInfo("health_server_started").pipe(Effect.annotateLogs({ ...address }), annotate)
    // After the fork: the first run of the checks goes out while the `Stream` module (for `changes`) loads.
    return yield* toService(state, { address })
  })

/** Provides both tags: the full service, and its state part. */
const both = <E, R>(effect: Effect.Effect<HealthServer.HealthServer, E, R>) =>
  Layer.scopedContext(Effect.map(effect, (server) =>
    Context.make(HealthServerTag, server).pipe(
      Context.add(HealthState, server)
    )))

/** @internal */
export const layer = <R>(
  options: HealthServer.Options<R>
): Layer.Layer<
  HealthServer.HealthServer | HealthServer.HealthState,
  HealthServerError | HealthServerOptionsError,
  R
> => both(make(options))

/** @internal */
export const layerConfig = <R>(
  config: Config.Config.Wrap<HealthServer.Options<R>>
): Layer.Layer<
  HealthServer.HealthServer | HealthServer.HealthState,
  HealthServerError | HealthServerOptionsError | ConfigError.ConfigError,
  R
> => Layer.unwrapEffect(Effect.map(Config.unwrap(config), layer))
