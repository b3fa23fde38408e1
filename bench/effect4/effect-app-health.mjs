// effect4-app+health: the same Effect 4 application with @stargazer/health-server-effect4's health server built
// on top of it, as that package's README quick start does: HealthServerLive over the app (Layer.provideMerge,
// so it starts after the app and drains first), checking a RedisClient the library owns. Probes on
// SG_HEALTH_PORT, the app on APP_PORT; configured by the same SG_HEALTH_* and REDIS_URL as stargazer.mjs. The
// Effect 4 twin of ../servers/effect-app-health.mjs.
//
// The library's API is used here and in stargazer.mjs only (of this directory).
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { HealthServerLive, RedisClient } from "@stargazer/health-server-effect4"
import { Layer } from "effect"
import { AppLive } from "./effect-app-layer.mjs"

const MainLive = HealthServerLive.pipe(Layer.provideMerge(AppLive), Layer.provide(RedisClient.RedisClientLive))

NodeRuntime.runMain(Layer.launch(MainLive))
