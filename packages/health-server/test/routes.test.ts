/**
 * The standalone probe server answers exactly the paths the README lists: near misses and unknown paths, on
 * any method, get its own 404; `Accept` is negotiated by q-values and wildcards. Raw requests over a real
 * socket, so no client normalises the path.
 */
import { assert, describe } from "@effect/vitest"
import { HealthServer } from "@stargazer/health-server"
import { Effect } from "effect"
import { request } from "../../../test/utils/effect3/raw.js"
import { live, redisCheck } from "./utils/health.js"

const serve = Effect.map(
  HealthServer.make({ port: 0, checks: [redisCheck(Effect.void)] }),
  (server) => server.address.port
)

const methods = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"]

describe("routes of the probe server", () => {
  live(
    "near misses and unknown paths get the probe server's 404 on every method: no-store, a short body",
    () =>
      Effect.gen(function*() {
        const port = yield* serve
        const paths = [
          "/READYZ",
          "/Healthz",
          "//readyz",
          "/readyz/",
          "/readyz;x",
          "/readyz%20",
          "/readyz/redis/",
          "/readyz//redis",
          "/READYZ/redis",
          "/readyz/REDIS",
          "/readyz/redis;x",
          "/healthz/x",
          "/startupz/redis",
          "/",
          "/metrics",
          "/readyz/" + "a".repeat(101),
          "/livez/" + "b".repeat(300)
        ]
        for (const path of paths) {
          for (const method of methods) {
            const reply = yield* request(port, method, path)
            const what = `${method} ${path.slice(0, 40)}`
            assert.strictEqual(reply.status, 404, what)
            assert.strictEqual(reply.headers["cache-control"], "no-store", what)
            assert.strictEqual(reply.headers["content-type"], "text/plain", what)
            assert.strictEqual(reply.body, method === "HEAD" ? "" : "Not Found", what)
          }
        }
      })
  )

  live("the documented paths still answer, with a query too", () =>
    Effect.gen(function*() {
      const port = yield* serve
      const expected: ReadonlyArray<readonly [string, number, string]> = [
        ["/healthz", 200, "OK"],
        ["/livez", 200, "OK"],
        ["/readyz", 200, "Ready"],
        ["/startupz", 200, "Started"],
        ["/readyz/redis", 200, "Ready"],
        ["/livez/redis", 200, "OK"],
        ["/readyz?", 200, "Ready"],
        ["/readyz?verbose", 200, "[+]redis ok\nreadyz check passed\n"],
        ["/readyz/redis?verbose", 200, "[+]redis ok\nreadyz check passed\n"]
      ]
      for (const [path, status, body] of expected) {
        const reply = yield* request(port, "GET", path)
        assert.deepStrictEqual([reply.status, reply.body], [status, body], path)
      }
      assert.strictEqual((yield* request(port, "POST", "/readyz/redis")).status, 405)
    }))

  live(
    "Accept is negotiated by q-values and wildcards; a header accepting neither gets plain text",
    () =>
      Effect.gen(function*() {
        const port = yield* serve
        const cases: ReadonlyArray<readonly [string, "json" | "text"]> = [
          ["application/json", "json"],
          ["application/json;q=0", "text"],
          ["application/json; q=0.0", "text"],
          ["text/plain, application/json;q=0.9", "text"],
          ["application/json, text/plain;q=0.5", "json"],
          ["text/plain;q=0.1, application/json", "json"],
          ["application/*", "json"],
          ["*/*", "text"],
          ["*/*;q=0.1, application/json", "json"],
          ["text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text"],
          ["image/png", "text"],
          ["application/jsonx", "text"],
          ["", "text"]
        ]
        for (const [accept, expected] of cases) {
          const reply = yield* request(port, "GET", "/readyz", { accept })
          assert.strictEqual(reply.status, 200, accept)
          const type = reply.headers["content-type"]
          assert.strictEqual(
            type === "application/json" ? "json" : type === "text/plain" ? "text" : type,
            expected,
            accept
          )
        }
      })
  )
})
