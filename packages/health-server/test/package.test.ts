/**
 * The package as a user gets it: `pnpm pack` builds the tarball, which is unpacked into a consumer's
 * node_modules and used through its public name only, from plain JavaScript, against a real Redis.
 */
import { assert, describe } from "@effect/vitest"
import { Effect } from "effect"
import type * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as RedisServer from "../../../test/utils/effect3/redisServer.js"
import * as Pack from "../../../test/utils/pack.js"
import { live } from "./utils/health.js"

const run = (command: string, args: ReadonlyArray<string>, options?: ChildProcess.SpawnOptions) =>
  Effect.tryPromise({ try: () => Pack.run(command, args, options), catch: (error) => error as Error })

const consumer = `
import { HealthCheck, HealthServer, HealthServerLive, RedisClient } from "@stargazer/health-server"
import { Effect, Layer, Option, Stream } from "effect"

const AppLive = Layer.effectDiscard(Effect.logInfo("app_started"))
const MainLive = Layer.mergeAll(AppLive, HealthServerLive).pipe(Layer.provide(RedisClient.RedisClientLive))

const importable = (specifier) => import(specifier).then(() => "importable", (error) => error.code)

const program = Effect.gen(function*() {
  const health = yield* HealthServer.HealthServer
  // The first run of the redis check has ended.
  yield* health.changes.pipe(
    Stream.filter((status) => Option.isSome(status.checks[0].lastCheckedAt)),
    Stream.runHead
  )
  const get = (path) =>
    Effect.promise(() => fetch("http://127.0.0.1:" + health.address.port + path).then((response) => response.text()))
  const response = yield* Effect.promise(() => fetch("http://127.0.0.1:" + health.address.port + "/readyz"))
  const status = yield* health.status
  return {
    status: response.status,
    body: yield* Effect.promise(() => response.text()),
    // Answered by the router (not the fast path), which loads the package's dependencies.
    verbose: yield* get("/readyz?verbose"),
    ready: status.ready,
    checks: status.checks.map((check) => check.name),
    redisCheckName: HealthCheck.redisCheckName,
    port: health.address.port !== 0 && health.address.port !== 9090,
    router: yield* Effect.promise(() => importable("@stargazer/health-server/HealthRouter")),
    internal: yield* Effect.promise(() => importable("@stargazer/health-server/internal/state")),
    core: yield* Effect.promise(() => importable("@stargazer/health-core/state"))
  }
})

Effect.runPromise(Effect.provide(program, MainLive)).then((result) => console.log(JSON.stringify(result)))
`

/** The package as an application of its line installs it: with its peers, the optional ones apart. */
const line: Pack.Line = {
  name: "@stargazer/health-server",
  peers: ["effect", "@effect/platform", "@effect/platform-node", "ioredis"],
  optionalPeers: Pack.openTelemetryPeers
}

/** A fresh app with the package installed (`Pack.appWith`), removed with the test's scope. */
const appWith = (files: Readonly<Record<string, string>>) =>
  Effect.acquireRelease(
    Effect.tryPromise({ try: () => Pack.appWith(line, files, false), catch: (error) => error as Error }),
    ({ dir }) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
  )

/** Requires the packages from a CommonJS app, through the `effect` a CommonJS app gets (its CommonJS build). */
const required = `
const { HealthCheck, HealthServer } = require("@stargazer/health-server")
const { plain } = require("@stargazer/health-core/responses")
const { Effect } = require("effect")

const program = Effect.gen(function*() {
  const health = yield* HealthServer.make({ port: 0, checks: [HealthCheck.make({ name: "app", check: Effect.void })] })
  const response = yield* Effect.promise(() => fetch("http://127.0.0.1:" + health.address.port + "/healthz"))
  return { status: response.status, body: yield* Effect.promise(() => response.text()), core: typeof plain }
})

Effect.runPromise(Effect.scoped(program)).then((result) => console.log(JSON.stringify(result)))
`

describe("the published package", () => {
  live("installs from `pnpm pack` and works through its public name only", () =>
    Effect.gen(function*() {
      const { dir, installed } = yield* appWith({
        "package.json": JSON.stringify({ type: "module" }),
        "consumer.mjs": consumer
      })
      assert.deepStrictEqual(installed, [
        "@stargazer/health-core@^0.0.0",
        "negotiator@^1.1.0"
      ])
      // Types and a README in each tarball.
      for (const pkg of ["health-server/dist/index.d.ts", "health-server/README.md", "health-core/README.md"]) {
        assert.isTrue(Fs.existsSync(Path.join(dir, "node_modules/@stargazer", pkg)), pkg)
      }

      const redis = yield* RedisServer.make()
      const output = yield* run(process.execPath, ["consumer.mjs"], {
        cwd: dir,
        env: {
          ...process.env,
          REDIS_URL: redis.url,
          SG_HEALTH_PORT: "0",
          SG_HEALTH_CHECK_INTERVAL: "50 millis"
        }
      })
      const result = JSON.parse(output.trim().split("\n").at(-1)!)
      assert.deepStrictEqual(result, {
        status: 200,
        body: "Ready",
        verbose: "[+]redis ok\nreadyz check passed\n",
        ready: true,
        checks: ["redis"],
        redisCheckName: "redis",
        port: true,
        router: "importable",
        internal: "ERR_PACKAGE_PATH_NOT_EXPORTED",
        core: "importable"
      })
    }), 120_000)

  live(
    "type-checks as published: every entry point, named error channels, ES module and CommonJS apps",
    () =>
      Effect.tryPromise(() =>
        Pack.typeCheckEverywhere(
          line,
          Fs.readFileSync(Path.join(import.meta.dirname, "fixtures", "published.ts"), "utf8")
        )
      ),
    300_000
  )

  live("require()s from a CommonJS app, the core too", () =>
    Effect.gen(function*() {
      const result = yield* Effect.tryPromise(() => Pack.runCommonJs(line, required))
      assert.deepStrictEqual(result, { status: 200, body: "OK", core: "function" })
    }), 120_000)
})
