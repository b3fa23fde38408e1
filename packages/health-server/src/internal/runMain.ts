/**
 * The process runner: runs an application's layers as the process's main program, with the signal handling
 * of `core/signals` (one graceful shutdown whatever number of copies of the signal arrive, a person's second
 * Ctrl-C, a bound on every shutdown), and logs what happens.
 *
 * @internal
 */
import * as Runtime from "@effect/platform/Runtime"
import * as Signals from "@stargazer/health-core/signals"
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as EffectRuntime from "effect/Runtime"

/** How long the shutdown may take before the process ends anyway. @internal */
export interface Bounds {
  /** The health server's drain (it answers probes for this long before closing). */
  readonly shutdownDelay: Duration.Duration
  /** What the layers may take to release after the drain. */
  readonly stopTimeout: Duration.Duration
}

const annotate = Effect.annotateLogs({ package: "@stargazer/health-server", fiber: "process" })

/**
 * Runs `app` until a shutdown signal, then releases it. Succeeds when the app was stopped by a signal; fails
 * with the app's error when it failed to build (bad configuration, a port in use).
 *
 * @internal
 */
export const run = <E, E2>(
  app: Layer.Layer<never, E>,
  bounds: Effect.Effect<Bounds, E2>
): Effect.Effect<void, E | E2> =>
  Effect.gen(function*() {
    const resolved = yield* bounds
    const bound = Duration.sum(resolved.shutdownDelay, resolved.stopTimeout)
    const runtime = yield* Effect.runtime<never>()
    const runSync = EffectRuntime.runSync(runtime)
    const appFiber = yield* Effect.fork(Layer.launch(app))
    const watcher = Signals.watch(Duration.toMillis(bound), {
      shutdown: (signal) =>
        runSync(
          Effect.logInfo("shutdown_started").pipe(
            Effect.annotateLogs({ signal, bound: Duration.format(bound) }),
            annotate,
            Effect.zipRight(Fiber.interruptFork(appFiber))
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
    if (Exit.isFailure(exit) && !Cause.isInterruptedOnly(exit.cause)) {
      return yield* exit
    }
  })

/**
 * `run` as the process's main program: logs a failure, then exits `0` after a signal-driven shutdown and `1`
 * when the app failed.
 *
 * @internal
 */
export const runMain = <E, E2>(app: Layer.Layer<never, E>, bounds: Effect.Effect<Bounds, E2>): void =>
  Runtime.makeRunMain(({ fiber, teardown }) => {
    const keepAlive = setInterval(() => {}, 2 ** 31 - 1)
    fiber.addObserver((exit) => {
      clearInterval(keepAlive)
      teardown(exit, (code) => process.exit(code))
    })
  })(run(app, bounds))
