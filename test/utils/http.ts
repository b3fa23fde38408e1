/**
 * What every Effect 3 suite of the repository uses to talk to a server it started: a real-time scoped test with
 * the logs kept out of its output, plain HTTP GETs over real sockets, and a bounded wait for a condition.
 */
import { it } from "@effect/vitest"
import { Duration, Effect, Logger, LogLevel, Schedule } from "effect"
import type { Scope } from "effect"
import * as Util from "node:util"

/** A real-time scoped test (real Redis, real sockets), with the library's logs kept out of the test output. */
export const live = <A, E>(name: string, self: () => Effect.Effect<A, E, Scope.Scope>, timeout?: number) =>
  it.scopedLive(name, () => self().pipe(Logger.withMinimumLogLevel(LogLevel.None)), timeout)

export interface Reply {
  readonly status: number
  readonly body: string
  readonly contentType: string | null
}

/**
 * A plain GET over a real socket (undici's fetch), unbounded: for TestClock tests, where a timeout would never
 * fire (the test's own timeout bounds them).
 */
export const fetchReply = (port: number, path: string, host = "127.0.0.1"): Effect.Effect<Reply, Error> =>
  Effect.tryPromise({
    try: async (signal) => {
      const response = await fetch(`http://${host}:${port}${path}`, { signal, headers: { connection: "close" } })
      return { status: response.status, body: await response.text(), contentType: response.headers.get("content-type") }
    },
    catch: (cause) => cause instanceof Error ? cause : new Error(String(cause))
  })

/** `fetchReply` bounded in real time, so a hung server fails the test. */
export const get = (port: number, path: string, host = "127.0.0.1"): Effect.Effect<Reply, Error> =>
  fetchReply(port, path, host).pipe(
    Effect.timeoutFail({ duration: "5 seconds", onTimeout: () => new Error(`GET ${path} timed out`) })
  )

/**
 * Polls `read` with real time until `predicate` holds (bounded generously), and returns that value; past the
 * bound, fails saying the last value read.
 */
export const eventually = <A>(
  read: Effect.Effect<A>,
  predicate: (a: A) => boolean,
  within: Duration.DurationInput = "15 seconds"
): Effect.Effect<A, Error> =>
  Effect.suspend(() => {
    let last: { readonly value: A } | undefined
    return read.pipe(
      Effect.tap((value) => Effect.sync(() => last = { value })),
      Effect.filterOrFail(predicate, () => new Error("condition not met")),
      Effect.retry(Schedule.spaced("25 millis")),
      Effect.timeoutFail({
        duration: within,
        onTimeout: () =>
          new Error(`condition not met within ${Duration.format(Duration.decode(within))}${lastRead(last)}`)
      })
    )
  })

/** `; last read: <value>`, for a wait's error (nothing when nothing was read). */
const lastRead = (last: { readonly value: unknown } | undefined): string =>
  last === undefined ? "" : `; last read: ${Util.inspect(last.value, { breakLength: Infinity })}`
