/**
 * The main job (`examples/service`) as a real process: it serves the probes, closes its Redis connection on the
 * way out, and exits non-zero before anything starts on bad configuration. (Signals and the drain:
 * shutdown.*.test.ts; what each configuration error prints: startup.test.ts.)
 */
import { assert, describe } from "@effect/vitest"
import { Effect } from "effect"
import * as RedisServer from "./utils/effect3/redisServer.js"
import { eventually, get, live } from "./utils/http.js"
import { spawnService } from "./utils/process.js"
import { inOrder, startService } from "./utils/service.js"
import { targets } from "./utils/targets.js"

for (const target of targets) {
  describe(`${target.name}: ${target.service}`, () => {
    live(
      "serves the probes, shuts down in order and closes its Redis connection, exiting 0",
      () =>
        Effect.gen(function*() {
          const { port, redis, service } = yield* startService(target, "node")
          assert.deepStrictEqual(yield* get(port, "/healthz"), { status: 200, body: "OK", contentType: "text/plain" })
          assert.strictEqual((yield* get(port, "/readyz")).body, "Ready")

          yield* service.signal("SIGTERM")
          assert.strictEqual(yield* service.exit, 0, service.output())
          const output = service.output()
          assert.isTrue(
            inOrder(output, ["worker_started", "health_server_started", "health_server_stopped", "worker_stopped"]),
            output
          )
          // Its Redis connection was closed on the way out; only the connection asking remains.
          assert.strictEqual(yield* RedisServer.connectedClients(redis), 1)
        })
    )

    live("an invalid SG_HEALTH_PORT exits non-zero naming the variable", () =>
      Effect.gen(function*() {
        const service = yield* spawnService({ via: "node", script: target.service }, { SG_HEALTH_PORT: "ninety" })
        assert.strictEqual(yield* service.exit, 1)
        assert.include(service.output(), "SG_HEALTH_PORT")
        // The health configuration is read before the service starts: nothing was started, nothing to undo.
        assert.notInclude(service.output(), "worker_started")
        assert.notInclude(service.output(), "health_server_started")
        yield* service.groupGone
      }))

    live("SG_HEALTH_ENABLED=false runs the service without the health server", () =>
      Effect.gen(function*() {
        const redis = yield* RedisServer.make()
        const service = yield* spawnService({ via: "node", script: target.service }, {
          REDIS_URL: redis.url,
          SG_HEALTH_ENABLED: "false",
          SG_HEALTH_PORT: "0"
        })
        yield* eventually(Effect.sync(service.output), (output) => output.includes("worker_started"), "30 seconds")
        assert.notInclude(service.output(), "health_server_started")
        yield* service.signal("SIGTERM")
        assert.strictEqual(yield* service.exit, 0)
        assert.notInclude(service.output(), "health_server")
      }))
  })
}
