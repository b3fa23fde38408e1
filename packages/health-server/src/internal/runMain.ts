/**
 * The process runner: runs an application's layers as the process's main program and shuts it down in order
 * on a signal, in the process trees users really run (a terminal's process group, `pnpm start`, `sh -c`, tini,
 * systemd's control group), where each signal can reach the process more than once.
 *
 * - SIGTERM, SIGINT, SIGHUP and SIGUSR2 start one graceful shutdown: the layers are released in reverse order
 *   of acquisition (the health server drains first) and the process exits `0`. SIGHUP is a closed terminal or
 *   a supervisor's stop; SIGUSR2 is how nodemon and some process managers ask for a restart. A wrapper such
 *   as pnpm dies of those two at once (it handles neither), and the service still drains on its own.
 * - Further copies of those signals are logged and ignored: a wrapper that forwards the signal it also
 *   received (pnpm, npm, `sh -c`, tini) or a supervisor that sends it twice never cuts the drain short. The one
 *   exception is a person's second Ctrl-C: a SIGINT at least `forceAfter` after the first ends the process at
 *   once (exit `130`).
 * - Every shutdown is bounded: if the layers are not released `shutdownDelay + stopTimeout` after the first
 *   signal, the process logs `shutdown_forced` and exits `1`.
 *
 * The listeners stay installed until the process exits, so no copy of a signal ever meets Node's default
 * action (which kills the process at once).
 *
 * @internal
 */
import * as Runtime from "@effect/platform/Runtime"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Queue from "effect/Queue"

/** How long the shutdown may take before the process ends anyway. @internal */
export interface Bounds {
  /** The health server's drain (it answers probes for this long before closing). */
  readonly shutdownDelay: Duration.Duration
  /** What the layers may take to release after the drain. */
  readonly stopTimeout: Duration.Duration
}

type Signal = "SIGINT" | "SIGTERM" | "SIGHUP" | "SIGUSR2"
const handled: ReadonlyArray<Signal> = ["SIGINT", "SIGTERM", "SIGHUP", "SIGUSR2"]

/** A second SIGINT this long after the first is a person asking to stop now, not a forwarded copy. @internal */
export const forceAfter = Duration.seconds(1)

const annotate = Effect.annotateLogs({ package: "@stargazer/health-server", fiber: "process" })

const forceExit = (code: number, reason: string) =>
  Effect.logError("shutdown_forced").pipe(
    Effect.annotateLogs({ reason, exitCode: code }),
    annotate,
    Effect.zipRight(Effect.sync(() => process.exit(code)))
  )

/**
 * Installs the signal listeners for the life of the process and returns the queue they feed.
 */
const listen = Effect.gen(function*() {
  const signals = yield* Queue.unbounded<Signal>()
  yield* Effect.sync(() => {
    for (const signal of handled) process.on(signal, () => Queue.unsafeOffer(signals, signal))
  })
  return signals
})

/**
 * Handles the signals for one run: the first shutdown signal interrupts `app` and arms the bound; later ones
 * are ignored but for a person's second Ctrl-C.
 */
const handle = (
  signals: Queue.Queue<Signal>,
  app: Fiber.RuntimeFiber<unknown, unknown>,
  bounds: Bounds
) =>
  Effect.gen(function*() {
    let firstAt: number | undefined
    while (true) {
      const signal = yield* Queue.take(signals)
      const now = yield* Clock.currentTimeMillis
      if (firstAt === undefined) {
        firstAt = now
        const bound = Duration.sum(bounds.shutdownDelay, bounds.stopTimeout)
        yield* Effect.logInfo("shutdown_started").pipe(
          Effect.annotateLogs({ signal, bound: Duration.format(bound) }),
          annotate
        )
        yield* Fiber.interruptFork(app)
        yield* Effect.fork(
          Effect.delay(forceExit(1, `not stopped within ${Duration.format(bound)}`), bound)
        )
        continue
      }
      if (signal === "SIGINT" && now - firstAt >= Duration.toMillis(forceAfter)) {
        return yield* forceExit(130, "second SIGINT")
      }
      yield* Effect.logInfo("signal_ignored").pipe(
        Effect.annotateLogs({ signal, reason: "shutdown already in progress" }),
        annotate
      )
    }
  })

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
    const signals = yield* listen
    const appFiber = yield* Effect.fork(Layer.launch(app))
    const handler = yield* Effect.fork(handle(signals, appFiber, resolved))
    const exit = yield* Fiber.await(appFiber)
    yield* Fiber.interrupt(handler)
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
