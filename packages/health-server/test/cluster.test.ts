/**
 * The `redis` check on a real Redis Cluster (three primaries, no replicas, `cluster-node-timeout` 1 s, shared by
 * the file's tests, which run in order): `CLUSTER INFO` of each primary in turn, its details in the probes, a
 * killed primary seen once the cluster reports `cluster_state:fail` (while `PING` alone stays green), the
 * restarted primary asked again, and every node's connection closed at release.
 */
import { assert, layer } from "@effect/vitest"
import { HealthCheck, RedisClient } from "@stargazer/health-server"
import { Context, Effect, Exit, Layer, Logger, LogLevel, Option, Scope } from "effect"
import { Cluster } from "ioredis"
import * as Topology from "../../../test/utils/effect3/redisTopology.js"
import { checkStatus, childScope, eventually, get, serveOn } from "./utils/health.js"

class TestCluster extends Context.Tag("test/TestCluster")<TestCluster, Topology.Cluster>() {}

const fast = { checkInterval: "200 millis", checkTimeout: "500 millis", failureThreshold: 2 } as const
/** threshold × (interval + timeout): the longest a failing Redis may keep readiness green. */
const detectionMillis = 2 * (200 + 500)
/** What polling and HTTP add to a measured time. */
const slackMillis = 500

/** A `Cluster` the application owns, with ioredis' defaults; disconnected by the test's scope. */
const appCluster = (seeds: Topology.Cluster["seeds"]) =>
  Effect.acquireRelease(
    Effect.async<Cluster>((resume) => {
      const client = new Cluster([...seeds])
      client.on("error", () => {})
      client.once("ready", () => resume(Effect.succeed(client)))
    }),
    (client) => Effect.sync(() => client.disconnect())
  )

const quiet = <A, E, R>(self: Effect.Effect<A, E, R>) => self.pipe(Logger.withMinimumLogLevel(LogLevel.None))

const ownedCluster = (cluster: Topology.Cluster, clusterOptions: RedisClient.ClusterOptions["clusterOptions"] = {}) =>
  RedisClient.layer({ cluster: { nodes: cluster.seeds, clusterOptions } })

layer(Layer.scoped(TestCluster, Topology.cluster()), { excludeTestServices: true, timeout: "60 seconds" })(
  "the redis check on a Redis Cluster",
  (it) => {
    it.scoped("answers 200 with the cluster's details, asking each primary in turn", () =>
      quiet(Effect.gen(function*() {
        const cluster = yield* TestCluster
        const before = yield* Effect.forEach(cluster.nodes, cluster.infoCalls)
        const health = yield* serveOn(ownedCluster(cluster), { ...fast, exposeDetails: true })
        const { port } = health.address
        // Six runs: every primary has been asked twice.
        yield* eventually(checkStatus(health), (status) => status.consecutiveSuccesses >= 6)
        const after = yield* Effect.forEach(cluster.nodes, cluster.infoCalls)
        assert.deepStrictEqual(after.map((calls, i) => calls - before[i] >= 2), [true, true, true])

        assert.strictEqual((yield* get(port, "/readyz")).status, 200)
        const details = {
          cluster_state: "ok",
          slots_ok: 16384,
          slots_pfail: 0,
          slots_fail: 0,
          known_nodes: 3,
          cluster_size: 3
        }
        const json = yield* Topology.getJson(port, "/readyz")
        assert.strictEqual(json.status, 200)
        assert.deepStrictEqual(json.body.checks.redis.details, details)
        assert.strictEqual(
          (yield* get(port, "/readyz?verbose")).body,
          "[+]redis ok (cluster_state=ok slots_ok=16384 slots_pfail=0 slots_fail=0 known_nodes=3 cluster_size=3)\n" +
            "readyz check passed\n"
        )
      })))

    it.scoped("closes the connection to every node at release", () =>
      quiet(Effect.gen(function*() {
        const cluster = yield* TestCluster
        const ports = cluster.nodes.map((node) => node.port)
        const connections = yield* Topology.connectionsNow(ports)
        const scope = yield* childScope
        const { check } = yield* RedisClient.make({ cluster: { nodes: cluster.seeds } }).pipe(Scope.extend(scope))
        yield* Effect.repeatN(check, 2) // one CLUSTER INFO to each primary
        assert.isAtLeast(yield* Topology.clientConnections(ports), connections.baseline + 3)
        yield* Scope.close(scope, Exit.void)
        yield* connections.back
      })))

    it.scoped("judges an application's Cluster by CLUSTER INFO too, and never closes it", () =>
      quiet(Effect.gen(function*() {
        const cluster = yield* TestCluster
        const client = yield* appCluster(cluster.seeds)
        const scope = yield* childScope
        const health = yield* serveOn(RedisClient.layerFromClient(client), fast).pipe(Scope.extend(scope))
        const status = yield* eventually(checkStatus(health), (status) => status.consecutiveSuccesses >= 3)
        assert.deepInclude(Option.getOrThrow(status.details), { cluster_state: "ok", cluster_size: 3 })
        yield* Scope.close(scope, Exit.void)
        assert.strictEqual(client.status, "ready")
      })))

    it.scoped(
      "a killed primary turns readiness 503 once the cluster reports cluster_state:fail, while PING stays green; restarted, 200 again",
      () =>
        quiet(Effect.gen(function*() {
          const cluster = yield* TestCluster
          // PING on a Cluster the application owns, beside the redis check: what a PING-based check would say.
          const ping = HealthCheck.make({ name: "ping", check: RedisClient.makePing(yield* appCluster(cluster.seeds)) })
          // ioredis' periodic slots refresh off: the check's own refreshes must bring the restarted primary back.
          const context = yield* Layer.build(ownedCluster(cluster, { slotsRefreshInterval: 0 }))
          const { client } = Context.get(context, RedisClient.RedisClient)
          const health = yield* serveOn(Layer.succeedContext(context), { ...fast, checks: [ping] })
          yield* Topology.readyAt(health, true, "10 seconds")

          const [victim, ...survivors] = cluster.nodes
          yield* victim.kill
          yield* cluster.awaitState("fail", survivors)
          const failedAt = Date.now()
          const notReadyAt = yield* Topology.readyAt(health, false, "10 seconds")
          assert.isAtMost(notReadyAt - failedAt, detectionMillis + slackMillis)
          assert.strictEqual((yield* get(health.address.port, "/readyz")).status, 503)
          const redis = yield* checkStatus(health)
          assert.isFalse(redis.healthy)
          assert.match(
            Option.getOrThrow(redis.lastError),
            /^Redis check failed: (cluster_state:fail|connect ECONNREFUSED)$/
          )

          // PING answers all along: a check that only PINGs would keep the app in rotation.
          const pinged = yield* eventually(
            checkStatus(health, "ping"),
            (status) =>
              Option.isSome(status.lastSuccessAt) && status.lastSuccessAt.value.epochMillis > failedAt + detectionMillis
          )
          assert.isTrue(pinged.healthy)
          assert.strictEqual(pinged.consecutiveFailures, 0)
          assert.strictEqual(yield* cluster.state(survivors[0]), "fail")

          yield* victim.restart
          yield* Topology.readyAt(health, true, "20 seconds")
          assert.strictEqual((yield* get(health.address.port, "/readyz")).status, 200)
          // The pool has the restarted primary again (slots fetched again), and its turn comes.
          yield* eventually(
            Effect.sync(() => (client as Cluster).nodes("master").length),
            (primaries) => primaries === 3
          )
          yield* eventually(cluster.infoCalls(victim), (calls) => calls >= 2)
          yield* eventually(checkStatus(health, "ping"), (status) => status.healthy)
        })),
      60_000
    )
  }
)
