/**
 * The standalone server answers plain probes through a fast path in front of the router. Its answers must be
 * the router's, byte for byte: the same requests go to the standalone server and to `HealthRouter.router`
 * served by `@effect/platform` over the same state, for every path, method, `Accept` and state.
 */
import { NodeHttpServer } from "@effect/platform-node"
import { assert, describe } from "@effect/vitest"
import { HealthCheck, HealthServer } from "@stargazer/health-server"
import * as HealthRouter from "@stargazer/health-server/HealthRouter"
import { Effect, Stream } from "effect"
import * as Http from "node:http"
import { request } from "../../../test/utils/effect3/raw.js"
import { live } from "./utils/health.js"

const paths = [
  "/healthz",
  "/livez",
  "/readyz",
  "/startupz",
  "/readyz/redis",
  "/readyz/db",
  "/livez/redis",
  "/livez/db",
  "/readyz?verbose",
  "/readyz?exclude=db",
  "/healthz?verbose",
  "/READYZ",
  "/readyz/",
  "/readyz;x",
  "/readyz/nope"
]
const methods = ["GET", "HEAD", "POST", "DELETE"]
const accepts: ReadonlyArray<Record<string, string>> = [
  {},
  { accept: "*/*" },
  { accept: "application/json" },
  { accept: "text/plain" },
  { accept: "application/json;q=0" }
]

/** What must be equal: status, headers but the per-connection ones, and body. */
const comparable = (reply: { status: number; headers: Record<string, string>; body: string }) => {
  const { connection: _connection, date: _date, "keep-alive": _keepAlive, ...headers } = reply.headers
  return { status: reply.status, headers, body: reply.body }
}

/**
 * A standalone server whose checks ran once (an hour apart: nothing changes while the answers are compared),
 * and the router served over the same state.
 */
const twins = (redisUp: boolean) =>
  Effect.gen(function*() {
    const server = yield* HealthServer.make({
      port: 0,
      checks: [
        HealthCheck.make({ name: "redis", check: redisUp ? Effect.void : Effect.fail(new Error("down")) }),
        HealthCheck.make({ name: "db", check: Effect.void })
      ],
      livenessChecks: ["redis"],
      checkInterval: "1 hour",
      failureThreshold: 1,
      exposeDetails: true
    })
    yield* server.changes.pipe(Stream.filter((status) => status.started || !status.live), Stream.runHead)
    const routed = yield* NodeHttpServer.make(() => Http.createServer(), { host: "127.0.0.1", port: 0 })
    yield* routed.serve(HealthRouter.router).pipe(Effect.provideService(HealthServer.HealthState, server))
    const routedPort = routed.address._tag === "TcpAddress" ? routed.address.port : -1
    const compareAll = (label: string) =>
      Effect.forEach(paths, (path) =>
        Effect.forEach(methods, (method) =>
          Effect.forEach(accepts, (headers) =>
            Effect.gen(function*() {
              const fast = yield* request(server.address.port, method, path, headers)
              const viaRouter = yield* request(routedPort, method, path, headers)
              assert.deepStrictEqual(
                comparable(fast),
                comparable(viaRouter),
                `${label}: ${method} ${path} ${JSON.stringify(headers)}`
              )
            }))), { discard: true })
    return { server, compareAll }
  })

describe("the fast path", () => {
  live("answers every path, method, Accept and state exactly as the router does", () =>
    Effect.gen(function*() {
      const healthy = yield* twins(true)
      assert.isTrue((yield* healthy.server.status).ready)
      yield* healthy.compareAll("healthy")
      yield* healthy.server.markNotReady
      yield* healthy.compareAll("marked not ready")

      const failing = yield* twins(false)
      assert.deepInclude(yield* failing.server.status, { live: false, ready: false })
      yield* failing.compareAll("redis unhealthy")

      // What the fast path leaves to the router, answered by the standalone server.
      const port = healthy.server.address.port
      const verbose = yield* request(port, "GET", "/readyz?verbose")
      assert.strictEqual(
        verbose.body,
        "[+]redis ok\n[+]db ok\n[-]manual failed: marked not ready\nreadyz check failed\n"
      )
      const unknown = yield* request(port, "GET", "/nope")
      assert.deepStrictEqual([unknown.status, unknown.body], [404, "Not Found"])
    }), 120_000)
})
