// stargazer-effect4: @stargazer/health-server-effect4 standalone, from the built package (dist, plain node, no
// TypeScript loader), as examples/effect4/service runs it: `Runner.layer` attaches the health server
// (HealthServerLive's configuration) to the application's layers, over a RedisClient the library owns, and
// `Runner.runMain` runs the process. Here the application is empty: what is measured is the health server.
// Effect is imported module by module, as the library does (the `effect` barrel would load every module of
// Effect). Configured by the environment run.ts passes: REDIS_URL, SG_HEALTH_PORT, SG_HEALTH_CHECK_INTERVAL,
// SG_HEALTH_CHECK_TIMEOUT, SG_HEALTH_FAILURE_THRESHOLD. The Effect 4 twin of ../servers/stargazer.mjs.
//
// The library's API is used here and in effect-app-health.mjs only (of this directory).
import { RedisClient, Runner } from "@stargazer/health-server-effect4"
import * as Layer from "effect/Layer"

Runner.runMain(Runner.layer(Layer.empty).pipe(Layer.provide(RedisClient.RedisClientLive)))
