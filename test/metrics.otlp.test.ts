/**
 * The README's OTLP example, run as a process against a collector that this test plays: the health metrics
 * arrive over OTLP/HTTP.
 */
import { assert, describe } from "@effect/vitest"
import { Effect } from "effect"
import * as Http from "node:http"
import * as RedisServer from "./utils/effect3/redisServer.js"
import { live } from "./utils/http.js"
import { spawnService } from "./utils/process.js"
import { targets } from "./utils/targets.js"

describe("the OTLP examples", () => {
  for (const target of targets) {
    live(
      `${target.name}: ${target.otlp} pushes health_check and health_checks_total to an OTLP collector`,
      () =>
        Effect.gen(function*() {
          const redis = yield* RedisServer.make()
          const bodies: Array<string> = []
          const received = yield* Effect.makeLatch()
          const collector = yield* Effect.acquireRelease(
            Effect.async<Http.Server>((resume) => {
              const server = Http.createServer((request, response) => {
                let body = ""
                request.on("data", (chunk) => body += chunk)
                request.on("end", () => {
                  bodies.push(`${request.method} ${request.url} ${body}`)
                  if (body.includes("health_checks_total")) received.unsafeOpen()
                  response.writeHead(200, { "content-type": "application/json" }).end("{}")
                })
              })
              server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
            }),
            (server) => Effect.sync(() => server.close())
          )
          const address = collector.address()
          const port = typeof address === "object" && address !== null ? address.port : 0
          yield* spawnService({ via: "node", script: target.otlp }, {
            REDIS_URL: redis.url,
            SG_HEALTH_PORT: "0",
            OTLP_METRICS_URL: `http://127.0.0.1:${port}/v1/metrics`,
            OTLP_EXPORT_INTERVAL_MILLIS: "500"
          })
          yield* received.await.pipe(Effect.timeoutFail({
            duration: "30 seconds",
            onTimeout: () => new Error(`no metrics received: ${bodies.join("\n")}`)
          }))
          const body = bodies.find((body) => body.includes("health_checks_total"))!
          assert.match(body, /^POST \/v1\/metrics /)
          assert.include(body, "health_check")
          assert.include(body, "my-service")
        }),
      60_000
    )
  }
})
