/**
 * The `redis` check on a real Redis Cluster (three primaries, no replicas, `cluster-node-timeout` 1 s, shared by
 * the file's tests, which run in order): `CLUSTER INFO` of each primary in turn, its details in the probes, a
 * killed primary seen once the cluster reports `cluster_state:fail` (while `PING` alone stays green), the
 * restarted primary asked again, and every node's connection closed at release.
 */
import { assert, layer } from "@effect/vitest"
import * as HealthCheck from "@stargazer/health-server-effect4/HealthCheck"
import * as RedisClient from "@stargazer/health-server-effect4/RedisClient"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import { Cluster } from "ioredis"
import { Cluster as Cluster5 } from "ioredis5"
import { checkStatus, childScope, eventually, get, serveOn, silent } from "./utils/health.js"
import * as Topology from "./utils/redisTopology.js"

class TestCluster extends Context.Service<TestCluster, Topology.Cluster>()("test/TestCluster") {}

const fast = { checkInterval: "200 millis", checkTimeout: "500 millis", failureThreshold: 2 } as const
/** threshold × (interval + timeout): the longest a failing Redis may keep readiness green. */
const detectionMillis = 2 * (200 + 500)
/** What polling and HTTP add to a measured time. */
const slackMillis = 500

/** The ioredis majors an application may own its client of; both are typed as the `Cluster` of ioredis 6. */
const majors = { "ioredis 6": Cluster, "ioredis 5": Cluster5 as unknown as typeof Cluster } as const

/** A `Cluster` the application owns, with ioredis' defaults; disconnected by the test's scope. */
const appCluster = (seeds: Topology.Cluster["seeds"], major: keyof typeof majors = "ioredis 6") =>
  Effect.acquireRelease(
    Effect.callback<Cluster>((resume) => {
      const client = new majors[major]([...seeds])
      client.on("error", () => {})
      client.once("ready", () => resume(Effect.succeed(client)))
    }),
    (client) => Effect.sync(() => client.disconnect())
  )

const ownedCluster = (cluster: Topology.Cluster, clusterOptions: RedisClient.ClusterOptions["clusterOptions"] = {}) =>
  RedisClient.layer({ cluster: { nodes: cluster.seeds, clusterOptions } })

layer(Layer.effect(TestCluster, Topology.cluster()), { excludeTestServices: true, timeout: "60 seconds" })(
  "the redis check on a Redis Cluster",
  (it) => {
    it.effect("answers 200 with the cluster's details, asking each primary in turn", () =>
      silent(Effect.gen(function*() {
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

    it.effect("closes the connection to every node at release", () =>
      silent(Effect.gen(function*() {
        const cluster = yield* TestCluster
        const ports = cluster.nodes.map((node) => node.port)
        const connections = yield* Topology.connectionsNow(ports)
        const scope = yield* childScope
        const { check, client } = yield* RedisClient.make({ cluster: { nodes: cluster.seeds } }).pipe(
          Scope.provide(scope)
        )
        assert.instanceOf(client, Cluster)
        yield* check.pipe(Effect.repeat({ times: 2 })) // one CLUSTER INFO to each primary
        assert.isAtLeast(yield* Topology.clientConnections(ports), connections.baseline + 3)
        yield* Scope.close(scope, Exit.void)
        yield* connections.back
      })))

    for (const major of ["ioredis 6", "ioredis 5"] as const) {
      it.effect(`judges an application's Cluster (${major}) by CLUSTER INFO too, and never closes it`, () =>
        silent(Effect.gen(function*() {
          const cluster = yield* TestCluster
          const client = yield* appCluster(cluster.seeds, major)
          const before = yield* Effect.forEach(cluster.nodes, cluster.infoCalls)
          const scope = yield* childScope
          const health = yield* serveOn(RedisClient.layerFromClient(client), fast).pipe(Scope.provide(scope))
          const status = yield* eventually(checkStatus(health), (status) => status.consecutiveSuccesses >= 3)
          assert.deepInclude(Option.getOrThrow(status.details), { cluster_state: "ok", cluster_size: 3 })
          // One CLUSTER INFO to each primary.
          const after = yield* Effect.forEach(cluster.nodes, cluster.infoCalls)
          assert.deepStrictEqual(after.map((calls, i) => calls > before[i]), [true, true, true])
          yield* Scope.close(scope, Exit.void)
          assert.strictEqual(client.status, "ready")
        })))
    }

    it.effect(
      "a killed primary turns readiness 503 once the cluster reports cluster_state:fail, while PING stays green; restarted, 200 again",
      () =>
        silent(Effect.gen(function*() {
          const cluster = yield* TestCluster
          // PING on a Cluster the application owns, beside the redis check: what a PING-based check would say.
          const ping = HealthCheck.make({ name: "ping", check: RedisClient.makePing(yield* appCluster(cluster.seeds)) })
          // ioredis' periodic slots refresh off: the check's own refreshes must bring the restarted primary back.
          const context = yield* Layer.build(ownedCluster(cluster, { slotsRefreshInterval: 0 }))
          const { client } = Context.get(context, RedisClient.RedisClient)
          const health = yield* serveOn(Layer.succeedContext(context), { ...fast, checks: [ping], exposeDetails: true })
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
          // What a failing run saw, in the JSON body and (details exposed) the verbose one.
          const json = yield* eventually(
            Topology.getJson(health.address.port, "/readyz"),
            (json) => json.body.checks.redis.details?.cluster_state === "fail"
          )
          assert.strictEqual(json.status, 503)
          assert.isBelow(json.body.checks.redis.details.slots_ok, 16384)
          const verbose = yield* eventually(
            get(health.address.port, "/readyz?verbose"),
            (reply) => reply.body.includes("cluster_state=fail")
          )
          assert.strictEqual(verbose.status, 503)
          assert.match(verbose.body, /^\[-\]redis failed: .*\(cluster_state=fail /m)

          // PING answers all along: a check that only PINGs would keep the app in rotation.
          const pinged = yield* eventually(
            checkStatus(health, "ping"),
            (status) =>
              Option.isSome(status.lastSuccessAt) &&
              status.lastSuccessAt.value.epochMilliseconds > failedAt + detectionMillis
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
