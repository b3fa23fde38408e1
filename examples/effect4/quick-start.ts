/**
 * The README's quick start on Effect 4: provide HealthServerLive next to the application's own layers. The
 * twin of `examples/quick-start.ts`.
 */
import { NodeHttpServer, NodeRuntime } from "@effect/platform-node"
import { HealthServerLive, RedisClient } from "@stargazer/health-server-effect4"
import { Layer } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { createServer } from "node:http"

// The application's own HTTP API on port 3000 (its HttpServer is not the probe server's).
const ApiLive = HttpRouter.add("GET", "/", HttpServerResponse.text("hello")).pipe(
  HttpRouter.serve,
  Layer.provide(NodeHttpServer.layer(createServer, { port: 3000 }))
)

// The probes on 127.0.0.1:9090 (SG_HEALTH_*), checking the Redis at REDIS_URL. Built on top of the API, the
// health server starts after it and, on shutdown, drains before the API goes away.
const MainLive = HealthServerLive.pipe(
  Layer.provideMerge(ApiLive),
  Layer.provide(RedisClient.RedisClientLive)
)

NodeRuntime.runMain(Layer.launch(MainLive))
