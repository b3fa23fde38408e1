/**
 * Redis faults under the example service run as a real process (`node examples/service/main.ts`, a real
 * `redis-server` of its own per case, on 127.0.0.1): paused, blocked, frozen, out of client slots,
 * authentication lost, killed and restarted. Each time readiness turns 503 within the documented detection
 * bound, turns 200 again once the fault ends, and the process never exits (at the end SIGTERM exits 0).
 *
 * The service must answer its probes within the latency target throughout, as the probe path never touches
 * Redis: every probe that the test's own prober sends (a new connection every 100 ms, as kubelet does) is
 * answered within 1 second (kubelet's default probe `timeoutSeconds`), `/livez` with 200 (liveness is kept off
 * Redis, `SG_HEALTH_LIVENESS_CHECKS=`, as the README advises for Kubernetes) and `/readyz` with 200 or 503.
 *
 * Three cases run side by side at a time, each against its own service and Redis.
 */
import { assert, describe } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import type { Scope } from "effect"
import { request } from "./utils/effect3/raw.js"
import * as RedisServer from "./utils/effect3/redisServer.js"
import type { Answer } from "./utils/hostile.js"
import { errorsIn, prober, startService } from "./utils/hostile.js"
import { eventually, get, live } from "./utils/http.js"
import * as RedisAdmin from "./utils/redisAdmin.js"
import type { Started } from "./utils/service.js"
import type { Target } from "./utils/targets.js"
import { targets } from "./utils/targets.js"

// A result every interval + timeout (800 ms) while Redis hangs; stale after max(3 × interval, interval + 2 ×
// timeout) = 1.5 s without one, so a loaded machine's late timers do not make the check stale (which would
// fail liveness too).
const interval = 500
const timeout = 300
const threshold = 2
const env = {
  SG_HEALTH_CHECK_INTERVAL: `${interval} millis`,
  SG_HEALTH_CHECK_TIMEOUT: `${timeout} millis`,
  SG_HEALTH_FAILURE_THRESHOLD: String(threshold),
  SG_HEALTH_LIVENESS_CHECKS: ""
}

/** README, "Detection time": runs that hang until their timeout. */
const hangBound = threshold * (interval + timeout)
/** README, "Detection time": runs that fail at once (refused or closed connection), "about" this. */
const refusedBound = threshold * interval
/**
 * Added to both bounds: the poll (every 25 ms, a new connection each), timers late on a 2-core machine that
 * runs three services at once, and where in its interval the loop was when the fault began. A check that
 * missed its timeout or waited for ioredis' own give-up would take several seconds more.
 */
const slack = 2_000

const expected = { "/livez": [200], "/readyz": [200, 503] }

const readiness = (port: number) =>
  get(port, "/readyz").pipe(Effect.map((reply) => reply.status), Effect.orElseSucceed(() => 0))

/** Starts the fault and waits for readiness 503: the milliseconds from the start of the fault, and its result. */
const unreadyAfter = <A, E>(port: number, fault: Effect.Effect<A, E>) =>
  Effect.gen(function*() {
    const started = performance.now()
    const result = yield* fault
    yield* eventually(readiness(port), (status) => status === 503, "20 seconds")
    return [Math.round(performance.now() - started), result] as const
  })

const readyAgain = (port: number) => eventually(readiness(port), (status) => status === 200, "30 seconds")

/** The consecutive failures of the service's `redis` check, from its JSON answer (-1 when there is none). */
const failures = (port: number) =>
  request(port, "GET", "/readyz/redis", { accept: "application/json" }).pipe(
    Effect.flatMap((reply) => Effect.try(() => Number(JSON.parse(reply.body).checks.redis.consecutiveFailures))),
    Effect.orElseSucceed(() => -1)
  )

/** Waits until the `redis` check has failed `runs` more times in a row: the loop went on for that many runs. */
const moreFailedRuns = (port: number, runs: number) =>
  Effect.flatMap(failures(port), (from) => eventually(failures(port), (now) => now >= from + runs, "30 seconds"))

/** How every case ends: the process never exited, nothing logged at ERROR, SIGTERM still drains and exits 0. */
const stillServing = ({ service }: Started) =>
  Effect.gen(function*() {
    assert.isTrue(service.groupAlive(), service.output())
    assert.deepStrictEqual(errorsIn(service.output()), [])
    yield* service.signal("SIGTERM")
    assert.strictEqual(yield* service.exit, 0, service.output())
  })

/** The prober asked during the fault, too: it saw readiness fail. */
const probedThrough = ({ answers }: { readonly answers: ReadonlyArray<Answer> }) =>
  Effect.sync(() =>
    assert.isTrue(answers.some((answer) => answer.path === "/readyz" && answer.status === 503), "no probe saw 503")
  )

/** A counter from `INFO <section>`, e.g. `rejected_connections` or `errorstat_NOAUTH:count`. */
const info = (admin: RedisAdmin.Admin, section: string, pattern: RegExp) =>
  admin.send(`INFO ${section}`).pipe(Effect.map((text) => Number(pattern.exec(text)?.[1] ?? 0)), Effect.orDie)

/**
 * One case: the service and its own redis-server, a prober throughout, `body` (the fault), then what every
 * case must end with: the prober saw readiness fail, and the service is still serving and drains on SIGTERM.
 */
const fault = (
  target: Target,
  title: string,
  options: Parameters<typeof startService>[2],
  body: (started: Started) => Effect.Effect<void, Error, Scope.Scope>
) =>
  live(title, () =>
    Effect.gen(function*() {
      const started = yield* startService(target, env, options)
      const probes = yield* prober(started.port, expected)
      yield* body(started)
      yield* probedThrough(yield* probes.check)
      yield* stillServing(started)
    }), 90_000)

for (const target of targets) {
  // Two groups one after the other (sibling concurrent suites would all run at once), three side by side in each.
  describe(`${target.name}: Redis hangs`, () => {
    describe.concurrent("each against its own service and redis-server", () => {
      fault(
        target,
        "CLIENT PAUSE ALL: readiness 503 within threshold × (interval + timeout), 200 once the pause ends",
        undefined,
        ({ port, redis }) =>
          Effect.gen(function*() {
            const admin = yield* RedisAdmin.connect(redis.port)
            const pings = yield* RedisAdmin.calls(admin, "ping")

            const [detected] = yield* unreadyAfter(port, admin.send("CLIENT PAUSE 6000 ALL"))
            assert.isAtMost(detected, hangBound + slack)
            // The test's connection is paused too: this is answered when the pause ends, after the service's PING
            // that waited through it. One PING waited, none queued behind it (and one may have run before it began).
            assert.isAtMost((yield* RedisAdmin.calls(admin, "ping")) - pings, 2)
            yield* readyAgain(port)
          })
      )

      fault(target, "DEBUG SLEEP: readiness 503 within threshold × (interval + timeout), 200 once Redis wakes", {
        args: ["--enable-debug-command", "local"]
      }, ({ port, redis }) =>
        Effect.gen(function*() {
          const admin = yield* RedisAdmin.connect(redis.port)
          const pings = yield* RedisAdmin.calls(admin, "ping")

          const [detected, sleeping] = yield* unreadyAfter(
            port,
            Effect.fork(RedisServer.rawCommand(redis.port, "DEBUG SLEEP 6"))
          )
          assert.isAtMost(detected, hangBound + slack)
          // Answered once Redis wakes, after the service's PING that waited through the sleep: no burst.
          assert.isAtMost((yield* RedisAdmin.calls(admin, "ping")) - pings, 2)
          assert.strictEqual(yield* Fiber.join(sleeping), "+OK\r\n")
          yield* readyAgain(port)
        }))

      fault(
        target,
        "SIGSTOP: readiness 503 within threshold × (interval + timeout); SIGCONT: 200, and no burst of PINGs",
        undefined,
        ({ port, redis }) =>
          Effect.gen(function*() {
            const admin = yield* RedisAdmin.connect(redis.port)
            const pings = yield* RedisAdmin.calls(admin, "ping")

            const [detected] = yield* unreadyAfter(port, redis.freeze).pipe(Effect.tapError(() => redis.thaw))
            assert.isAtMost(detected, hangBound + slack)
            // Frozen through six more runs, each timed out: a loop that sent a PING per run would have six more
            // waiting.
            yield* moreFailedRuns(port, 6).pipe(Effect.ensuring(redis.thaw))
            // Redis runs what waited in its sockets before this: the one PING sent during the freeze.
            const burst = (yield* RedisAdmin.calls(admin, "ping")) - pings
            assert.isAtMost(burst, 2, `${burst} PINGs ran when Redis resumed`)
            yield* readyAgain(port)
          })
      )
    })
  })

  describe(`${target.name}: Redis refuses the service`, () => {
    describe.concurrent("each against its own service and redis-server", () => {
      fault(
        target,
        "out of client slots (maxclients, then CLIENT KILL): readiness 503 within about threshold × interval",
        undefined,
        ({ port, redis }) =>
          Effect.gen(function*() {
            const admin = yield* RedisAdmin.connect(redis.port)

            // Down to the connections that stay in use: one slot, held by this connection. The service, cut off,
            // finds every slot taken when it reconnects.
            yield* admin.send("CONFIG SET maxclients 1")
            const [detected] = yield* unreadyAfter(port, admin.send("CLIENT KILL TYPE normal SKIPME yes"))
            assert.isAtMost(detected, refusedBound + slack)
            // It tried to reconnect, twice at least, and was turned away: still not ready.
            yield* eventually(
              info(admin, "stats", /rejected_connections:(\d+)/),
              (rejected) => rejected >= 2,
              "20 seconds"
            )
            assert.strictEqual(yield* readiness(port), 503)

            yield* admin.send("CONFIG SET maxclients 10000")
            yield* readyAgain(port)
          })
      )

      fault(
        target,
        "authentication lost (requirepass, then CLIENT KILL): readiness 503 within about threshold × interval",
        undefined,
        ({ port, redis }) =>
          Effect.gen(function*() {
            const admin = yield* RedisAdmin.connect(redis.port)

            // This connection stays authenticated; the service's, cut, comes back without a password.
            yield* admin.send("CONFIG SET requirepass hostile-secret")
            const [detected] = yield* unreadyAfter(port, admin.send("CLIENT KILL TYPE normal SKIPME yes"))
            assert.isAtMost(detected, refusedBound + slack)
            // It reconnected, twice at least, and was refused with NOAUTH: still not ready.
            yield* eventually(
              info(admin, "errorstats", /errorstat_NOAUTH:count=(\d+)/),
              (refused) => refused >= 2,
              "20 seconds"
            )
            assert.strictEqual(yield* readiness(port), 503)

            // A new connection must authenticate now; through one, the password goes away again.
            const authenticated = yield* RedisAdmin.connect(redis.port, "hostile-secret")
            yield* authenticated.send("CONFIG SET requirepass \"\"")
            yield* readyAgain(port)
          })
      )

      fault(
        target,
        "killed (SIGKILL) and restarted: readiness 503 within about threshold × interval, 200 once it is back",
        undefined,
        ({ port, redis }) =>
          Effect.gen(function*() {
            const [detected] = yield* unreadyAfter(port, redis.kill)
            assert.isAtMost(detected, refusedBound + slack)
            // Down for a while (ioredis backs off to 2 s between attempts): ten more runs fail, still not ready,
            // still serving.
            yield* moreFailedRuns(port, 10)
            assert.strictEqual(yield* readiness(port), 503)

            yield* redis.restart
            yield* readyAgain(port)
          })
      )
    })
  })
}
