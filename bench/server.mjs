// The benchmark's server process: HealthServerLive from the built package (packages/health-server/dist, as a
// user runs it, without a TypeScript loader) on SG_HEALTH_PORT, pinging the Redis at REDIS_URL.
// Prints "ready" once the socket is bound; runs until SIGTERM.
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect, Layer } from "effect"
import { HealthServerLive, RedisClient } from "../packages/health-server/dist/index.js"

const MainLive = Layer.effectDiscard(Effect.sync(() => console.log("ready"))).pipe(
  Layer.provide(HealthServerLive),
  Layer.provide(RedisClient.layerConfig())
)

NodeRuntime.runMain(Layer.launch(MainLive), { disablePrettyLogger: true })
