/**
 * The process runner: runs an application's layers as the process's main program, with the signal handling
 * of `@stargazer/health-core/signals` (one graceful shutdown whatever number of copies of the signal arrive, a
 * person's second Ctrl-C, a bound on every shutdown), and logs what happens.
 *
 * @internal
 */
import * as Signals from "@stargazer/health-core/signals"
import * as Cause from "effect/Cause"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as References from "effect/References"
import * as Runtime from "effect/Runtime"

/** How long the shutdown may take before the process ends anyway. @internal */
export interface Bounds {
  /** The health server's drain (it answers probes for this long before closing). */
  readonly shutdownDelay: Duration.Duration
  /** What the layers may take to release after the drain. */
  readonly stopTimeout: Duration.Duration
}

const annotate = Effect.annotateLogs({ package: "@stargazer/health-server-effect4", fiber: "process" })

/**
 * Runs `app` until a shutdown signal, then releases it. Succeeds when the app was stopped by a signal; fails
 * with the app's error when it failed to build (bad configuration, a port in use).
 *
 * @internal
 */
export const run = <A, E, E2>(
  app: Layer.Layer<A, E>,
  bounds: Effect.Effect<Bounds, E2>
): Effect.Effect<void, E | E2> =>
  Effect.gen(function*() {
    const resolved = yield* bounds
    const bound = Duration.sum(resolved.shutdownDelay, resolved.stopTimeout)
    const runSync = Effect.runSyncWith(yield* Effect.context<never>())
    const appFiber = yield* Effect.forkChild(Layer.launch(app))
    const watcher = Signals.watch(Duration.toMillis(bound), {
      shutdown: (signal) =>
        runSync(
          Effect.logInfo("shutdown_started").pipe(
            Effect.annotateLogs({ signal, bound: Duration.format(bound) }),
            annotate,
            // Interrupted without waiting: the release runs on the app's fiber.
            Effect.andThen(Effect.withFiber((self) => Effect.sync(() => appFiber.interruptUnsafe(self.id))))
          )
        ),
      ignored: (signal) =>
        runSync(
          Effect.logInfo("signal_ignored").pipe(
            Effect.annotateLogs({ signal, reason: "shutdown already in progress" }),
            annotate
          )
        ),
      force: (code) => {
        const reason = code === 130 ? "second SIGINT" : `not stopped within ${Duration.format(bound)}`
        runSync(Effect.logError("shutdown_forced").pipe(Effect.annotateLogs({ reason, exitCode: code }), annotate))
        process.exit(code)
      }
    })
    const exit = yield* Fiber.await(appFiber)
    watcher.done()
    if (Exit.isFailure(exit) && !Cause.hasInterruptsOnly(exit.cause)) {
      return yield* exit
    }
  })

/**
 * The root services of the process, as the Effect 3 runner had them: the pretty logger in place of the default
 * one, and the environment read with empty values kept (`SG_HEALTH_LIVENESS_CHECKS=` means no liveness
 * check, `REDIS_CLUSTER_NODES=` is an empty list), where Effect 4's default provider counts them as unset.
 */
const withProcessDefaults = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  effect.pipe(
    Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnv({ preserveEmptyStrings: true })),
    Effect.updateService(References.CurrentLoggers, (loggers) => {
      if (!loggers.has(Logger.defaultLogger)) return loggers
      const replaced = new Set(loggers)
      replaced.delete(Logger.defaultLogger)
      return replaced.add(Logger.consolePretty())
    })
  )

/**
 * `run` as the process's main program: logs a failure, then exits `0` after a signal-driven shutdown and `1`
 * when the app failed.
 *
 * @internal
 */
export const runMain = <A, E, E2>(app: Layer.Layer<A, E>, bounds: Effect.Effect<Bounds, E2>): void =>
  Runtime.makeRunMain(({ fiber, teardown }) => {
    fiber.addObserver((exit) => teardown(exit, (code) => process.exit(code)))
  })(withProcessDefaults(run(app, bounds)))
