/**
 * The project's main job on Effect 4: a small Effect service that uses Redis, run with the health server
 * attached. The twin of `examples/service/main.ts`: same environment variables, same behaviour.
 *
 *   pnpm start:effect4                  # Redis from REDIS_URL (default redis://127.0.0.1:6379)
 *   curl http://127.0.0.1:9090/healthz  # OK
 *
 * SIGTERM or SIGINT stops the health server, then the worker, then closes Redis, and exits 0.
 */
import { RedisClient, Runner } from "@stargazer/health-server-effect4"
// Effect module by module: under plain Node the `effect` barrel loads every module of Effect, and start-up pays.
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"

// The application's own work: count heartbeats in Redis every few seconds.
const WorkerLive = Layer.effectDiscard(
  Effect.gen(function*() {
    const { client } = yield* RedisClient.RedisClient
    const beat = Effect.tryPromise(() => client.incr("stargazer:example:heartbeats")).pipe(
      Effect.tap((count) => Effect.logDebug("heartbeat").pipe(Effect.annotateLogs({ count }))),
      Effect.catch((error) =>
        Effect.logWarning("heartbeat_failed").pipe(Effect.annotateLogs({ reason: error.message }))
      )
    )
    yield* Effect.acquireRelease(
      Effect.logInfo("worker_started"),
      () => Effect.logInfo("worker_stopped")
    )
    yield* beat.pipe(Effect.repeat(Schedule.spaced(Duration.seconds(5))), Effect.forkScoped)
  })
)

const MainLive = Runner.layer(WorkerLive).pipe(Layer.provide(RedisClient.RedisClientLive))

Runner.runMain(MainLive)
