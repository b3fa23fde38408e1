// effect-app+health: the same application with the health server built on top of it, as the library's
// README quick start does: HealthServerLive over the app (Layer.provideMerge, so it starts after the app and
// drains first), checking a RedisClient the library owns. Probes on SG_HEALTH_PORT, the app on APP_PORT;
// configured by the same SG_HEALTH_* and REDIS_URL as stargazer.mjs.
//
// The library's API is used here and in stargazer.mjs only.
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { HealthServerLive, RedisClient } from "@stargazer/health-server"
import { Layer } from "effect"
import { AppLive } from "./effect-app-layer.mjs"

const MainLive = HealthServerLive.pipe(Layer.provideMerge(AppLive), Layer.provide(RedisClient.RedisClientLive))

NodeRuntime.runMain(Layer.launch(MainLive))
