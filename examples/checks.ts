/**
 * An application-defined check beside the built-in `redis` check, with HealthServerLive's configuration.
 *
 *   SESSIONS_URL=redis://127.0.0.1:6379 TSX_TSCONFIG_PATH=tsconfig.base.json node --import tsx examples/checks.ts
 *   curl -H 'accept: application/json' http://127.0.0.1:9090/readyz
 */
import { NodeRuntime } from "@effect/platform-node"
import { HealthCheck, HealthServer, RedisClient } from "@stargazer/health-server"
import { Config, Layer } from "effect"
import { Redis } from "ioredis"

// The application's own dependency (any Effect works as a check): here, a second Redis holding sessions.
const sessions = new Redis(process.env.SESSIONS_URL ?? "redis://127.0.0.1:6379", { lazyConnect: true })

const SessionsCheck = HealthCheck.make({
  name: "sessions",
  check: RedisClient.makePing(sessions), // one PING at a time, however long Redis hangs
  timeout: "500 millis",
  failureThreshold: 2
})

// HealthServerLive's configuration (SG_HEALTH_*) and its `redis` check, plus the app's: `/readyz` waits on
// both, `/livez` on SG_HEALTH_LIVENESS_CHECKS (default `redis`), `/readyz/sessions` on the sessions store alone.
const HealthLive = HealthServer.layerConfig(
  Config.map(HealthServer.config, (options) => ({ ...options, checks: [RedisClient.healthCheck, SessionsCheck] }))
).pipe(Layer.provide(RedisClient.RedisClientLive))

NodeRuntime.runMain(Layer.launch(HealthLive))
