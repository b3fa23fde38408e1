/**
 * `GET /metrics` on the probe server, scraped over a real socket while a real Redis is killed and restarted;
 * and the proof that the core entry point never loads OpenTelemetry.
 */
import { assert, describe } from "@effect/vitest"
import { HealthServer, RedisClient } from "@stargazer/health-server"
import * as Prometheus from "@stargazer/health-server/Prometheus"
import { Effect, Layer, Schedule } from "effect"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { request } from "../../../test/utils/effect3/raw.js"
import * as RedisServer from "../../../test/utils/effect3/redisServer.js"
import { root } from "../../../test/utils/process.js"
import { buildHealth, live } from "./utils/health.js"

/** Every sample of the Prometheus text: `name{labels} value`, keyed by `name{labels}`. */
const samples = (text: string): Map<string, number> => {
  const result = new Map<string, number>()
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue
    const space = line.lastIndexOf(" ")
    result.set(line.slice(0, space), Number(line.slice(space + 1)))
  }
  return result
}

const scrape = (port: number) =>
  Effect.map(request(port, "GET", "/metrics"), (reply) => {
    assert.strictEqual(reply.status, 200)
    return samples(reply.body)
  })

/** Scrapes until `sample` has `value` (bounded). */
const until = (port: number, sample: string, value: number) =>
  scrape(port).pipe(
    Effect.filterOrFail((metrics) => metrics.get(sample) === value, () => new Error(`${sample} != ${value}`)),
    Effect.retry(Schedule.spaced("50 millis").pipe(Schedule.upTo("15 seconds")))
  )

const readiness = `health_check{name="redis",type="readiness"}`
const successes = `health_checks_total{name="redis",status="success"}`
const failures = `health_checks_total{name="redis",status="failure"}`

describe("Prometheus endpoint", () => {
  live(
    "serves the health metrics while Redis is killed and restarted: gauge 1 → 0 → 1, counters monotonic",
    () =>
      Effect.gen(function*() {
        const redis = yield* RedisServer.make()
        const health = yield* buildHealth(
          HealthServer.layer({
            port: 0,
            checks: [RedisClient.healthCheck],
            checkInterval: "100 millis",
            checkTimeout: "300 millis",
            failureThreshold: 2
          })
            .pipe(Layer.provide(Layer.merge(RedisClient.layer({ url: redis.url }), Prometheus.layer())))
        )
        const port = health.address.port
        const first = yield* until(port, readiness, 1)
        assert.strictEqual(first.get(`health_probe{type="readiness"}`), 1)

        yield* redis.kill
        const down = yield* until(port, readiness, 0)
        assert.strictEqual(down.get(`health_probe{type="liveness"}`), 0)
        assert.isAtLeast(down.get(failures)!, 2)
        assert.isAtLeast(down.get(successes)!, first.get(successes)!)
        assert.strictEqual(
          down.get(`health_check_transitions_total{name="redis",from="healthy",to="unhealthy"}`),
          1
        )

        yield* redis.restart
        const back = yield* until(port, readiness, 1)
        assert.isAbove(back.get(successes)!, down.get(successes)!)
        assert.isAtLeast(back.get(failures)!, down.get(failures)!)
        assert.isAbove(back.get(`health_check_duration_seconds_count{name="redis"}`)!, 0)

        // Probe requests are counted by probe and code.
        const before = back.get(`health_probe_requests_total{probe="readyz",code="200"}`) ?? 0
        for (let i = 0; i < 3; i++) assert.strictEqual((yield* request(port, "GET", "/readyz")).status, 200)
        const after = yield* scrape(port)
        assert.strictEqual(after.get(`health_probe_requests_total{probe="readyz",code="200"}`), before + 3)
      }),
    60_000
  )

  live(
    "answers GET and HEAD with no-store, 405 otherwise, and puts no address in any label",
    () =>
      Effect.gen(function*() {
        const redis = yield* RedisServer.make()
        const health = yield* buildHealth(
          HealthServer.layer({ port: 0, checks: [RedisClient.healthCheck], exposeDetails: true })
            .pipe(Layer.provide(Layer.merge(RedisClient.layer({ url: redis.url }), Prometheus.layer())))
        )
        const port = health.address.port
        const get = yield* request(port, "GET", "/metrics")
        assert.strictEqual(get.headers["cache-control"], "no-store")
        assert.match(get.headers["content-type"], /^text\/plain/)
        assert.include(get.body, "# TYPE health_check gauge")
        assert.notInclude(get.body, "127.0.0.1")
        assert.notInclude(get.body, String(redis.port))
        const head = yield* request(port, "HEAD", "/metrics")
        assert.deepStrictEqual([head.status, head.body], [200, ""])
        const post = yield* request(port, "POST", "/metrics")
        assert.deepStrictEqual([post.status, post.headers.allow], [405, "GET, HEAD"])
        // Without the layer, /metrics is not a route of the probe server.
        const plain = yield* buildHealth(
          HealthServer.layer({ port: 0 }).pipe(Layer.provide(RedisClient.layer({ url: redis.url })))
        )
        assert.strictEqual((yield* request(plain.address.port, "GET", "/metrics")).status, 404)
      }),
    60_000
  )

  live(
    "HealthServerLive loads OpenTelemetry only with SG_HEALTH_METRICS=true, and the router only when a request needs it",
    () =>
      Effect.gen(function*() {
        const redis = yield* RedisServer.make()
        /** Every module URL `fixtures/loadedModules.ts` loads with `env`. */
        const loadedWith = (env: Record<string, string>) =>
          Effect.async<Array<string>, Error>((resume) => {
            const loads = Path.join(Fs.mkdtempSync(Path.join(Os.tmpdir(), "loads-")), "loads.txt")
            const child = ChildProcess.spawn(
              process.execPath,
              [
                "--import",
                "./packages/health-server/test/fixtures/recordLoads.mjs",
                "--import",
                "tsx",
                "packages/health-server/test/fixtures/loadedModules.ts"
              ],
              {
                cwd: root,
                stdio: ["ignore", "ignore", "pipe"],
                env: {
                  ...process.env,
                  TSX_TSCONFIG_PATH: "tsconfig.base.json",
                  LOADS_FILE: loads,
                  REDIS_URL: redis.url,
                  SG_HEALTH_PORT: "0",
                  ...env
                }
              }
            )
            let errors = ""
            child.stderr!.on("data", (chunk) => errors += chunk)
            child.once("exit", (code) =>
              resume(
                code === 0
                  ? Effect.sync(() => Fs.readFileSync(loads, "utf8").split("\n"))
                  : Effect.fail(new Error(errors))
              ))
          })
        const otel = (urls: ReadonlyArray<string>) => urls.filter((url) => url.includes("opentelemetry"))
        const [without, withMetrics, plainOnly] = yield* Effect.all(
          [loadedWith({}), loadedWith({ SG_HEALTH_METRICS: "true" }), loadedWith({ PROBE_PATHS: "/readyz,/healthz" })],
          { concurrency: 2 }
        )
        assert.isTrue(without.some((url) => url.includes("/effect/dist/")), "Effect is among the modules loaded")
        assert.isTrue(without.some((url) => url.includes("/internal/routes")), "so is the router, for ?verbose")
        assert.deepStrictEqual(otel(without), [])
        assert.isNotEmpty(otel(withMetrics), "the same recording sees OpenTelemetry when it is used")
        // Plain probes only: the fast path answers them, and the router and its HTTP stack are never loaded.
        assert.deepStrictEqual(
          plainOnly.filter((url) => url.includes("/internal/routes") || url.includes("@effect/platform-node")),
          []
        )
      }),
    60_000
  )
})
