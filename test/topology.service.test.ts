/**
 * The example service (`examples/service`) as a real process against a Redis Cluster (`REDIS_CLUSTER_NODES`)
 * and through Sentinel (`REDIS_SENTINELS`): it answers its probes, and drains on SIGTERM, exiting 0 with
 * nothing left running. The two run side by side (a service process needs seconds to start).
 */
import { assert, describe } from "@effect/vitest"
import { Effect } from "effect"
import * as Topology from "./utils/effect3/redisTopology.js"
import { eventually, get, live } from "./utils/http.js"
import { spawnService } from "./utils/process.js"
import { boundPort, inOrder } from "./utils/service.js"
import type { Target } from "./utils/targets.js"
import { targets } from "./utils/targets.js"

const list = (addresses: ReadonlyArray<{ readonly host: string; readonly port: number }>) =>
  addresses.map(({ host, port }) => `${host}:${port}`).join(",")

/** Its health server on a port the system picks, its checks every 200 ms. */
const probed = { SG_HEALTH_PORT: "0", SG_HEALTH_CHECK_INTERVAL: "200 millis" }

/** Starts the service with `env`, waits for `/readyz` 200, stops it with SIGTERM; returns that JSON body. */
const serveThenStop = (target: Target, env: Record<string, string>) =>
  Effect.gen(function*() {
    const service = yield* spawnService({ via: "node", script: target.service }, { ...probed, ...env })
    const port = yield* boundPort(service)
    // Ready from the start (initial state healthy): wait for the first success of the check, which brings its details.
    const ready = yield* eventually(
      Topology.getJson(port, "/readyz"),
      ({ body, status }) => status === 200 && typeof body.checks.redis.lastSuccessAt === "string",
      "30 seconds"
    )
    assert.strictEqual((yield* get(port, "/healthz")).status, 200)

    yield* service.signal("SIGTERM")
    assert.strictEqual(yield* service.exit, 0, service.output())
    yield* service.groupGone
    const output = service.output()
    assert.isTrue(inOrder(output, ["worker_started", "health_server_started", "shutdown_started", "worker_stopped"]))
    assert.notInclude(output, "shutdown_forced")
    return ready.body
  })

for (const target of targets) {
  describe.concurrent(`${target.name}: the example service on a Redis Cluster and through Sentinel`, () => {
    live("REDIS_CLUSTER_NODES: ready, with the cluster's details; drains on SIGTERM", () =>
      Effect.gen(function*() {
        const cluster = yield* Topology.cluster()
        const body = yield* serveThenStop(target, { REDIS_CLUSTER_NODES: list(cluster.seeds) })
        assert.strictEqual(body.checks.redis.details.cluster_state, "ok")
        assert.strictEqual(body.checks.redis.details.cluster_size, 3)
      }), 60_000)

    live("REDIS_SENTINELS: ready; drains on SIGTERM", () =>
      Effect.gen(function*() {
        const set = yield* Topology.sentinels()
        const body = yield* serveThenStop(target, {
          REDIS_SENTINELS: list(set.addresses),
          REDIS_SENTINEL_NAME: set.name
        })
        assert.strictEqual(body.status, "pass")
      }), 60_000)
  })
}
