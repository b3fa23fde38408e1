/**
 * The project's main job: a small Effect service that uses Redis, run with the health server attached.
 *
 *   pnpm start                          # Redis from REDIS_URL (default redis://127.0.0.1:6379)
 *   curl http://127.0.0.1:9090/healthz  # OK
 *
 * SIGTERM or SIGINT stops the health server, then the worker, then closes Redis, and exits 0.
 */
import { RedisClient, Service } from "@stargazer/health-server"
import { Duration, Effect, Layer, Schedule } from "effect"

// The application's own work: count heartbeats in Redis every few seconds.
const WorkerLive = Layer.scopedDiscard(
  Effect.gen(function*() {
    const { client } = yield* RedisClient.RedisClient
    const beat = Effect.tryPromise(() => client.incr("stargazer:example:heartbeats")).pipe(
      Effect.tap((count) => Effect.logDebug("heartbeat").pipe(Effect.annotateLogs({ count }))),
      Effect.catchAll((error) =>
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

const MainLive = Service.withHealthServer(WorkerLive).pipe(Layer.provide(RedisClient.layerConfig()))

Service.runMain(MainLive)
