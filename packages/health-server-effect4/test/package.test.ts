/**
 * The package as a user gets it: `pnpm pack` builds the tarballs (this package and `@stargazer/health-core`,
 * its `workspace:` range turned into a version), unpacked into a consumer's node_modules and used through the
 * public name only, from plain JavaScript, against a real Redis.
 */
import { assert, describe } from "@effect/vitest"
import * as Effect from "effect/Effect"
import type * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Pack from "../../../test/utils/pack.js"
import { live } from "./utils/health.js"
import * as RedisServer from "./utils/redisServer.js"

const self = Path.resolve(import.meta.dirname, "..")

const run = (command: string, args: ReadonlyArray<string>, options?: ChildProcess.SpawnOptions) =>
  Effect.tryPromise({ try: () => Pack.run(command, args, options), catch: (error) => error as Error })

const consumer = `
import { HealthServer, HealthServerLive, RedisClient } from "@stargazer/health-server-effect4"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

const importable = (specifier) => import(specifier).then(() => "importable", (error) => error.code)

const program = Effect.gen(function*() {
  const health = yield* HealthServer.HealthServer
  const get = (path) =>
    Effect.promise(() => fetch("http://127.0.0.1:" + health.address.port + path).then(async (response) => ({
      status: response.status,
      body: await response.text()
    })))
  return {
    // Answered by the fast path, then by the router (loaded on demand, with its dependencies).
    healthz: yield* get("/healthz"),
    verbose: yield* get("/livez?verbose"),
    router: yield* Effect.promise(() => importable("@stargazer/health-server-effect4/HealthRouter")),
    internal: yield* Effect.promise(() => importable("@stargazer/health-server-effect4/internal/state"))
  }
})

const MainLive = HealthServerLive.pipe(Layer.provide(RedisClient.RedisClientLive))
Effect.runPromise(Effect.scoped(Effect.provide(program, MainLive))).then((result) => console.log(JSON.stringify(result)))
`

/** The package as an application of its line installs it: with its peers, the optional ones apart. */
const line: Pack.Line = {
  name: "@stargazer/health-server-effect4",
  peers: ["effect", "@effect/platform-node", "ioredis"],
  optionalPeers: Pack.openTelemetryPeers
}

/** A fresh app with the package installed (`Pack.appWith`), removed with the test's scope. */
const appWith = (files: Readonly<Record<string, string>>) =>
  Effect.acquireRelease(
    Effect.tryPromise({ try: () => Pack.appWith(line, files, false), catch: (error) => error as Error }),
    ({ dir }) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
  )

/** Requires the packages from a CommonJS app. */
const required = `
const { HealthCheck, HealthServer } = require("@stargazer/health-server-effect4")
const { plain } = require("@stargazer/health-core/responses")
const Effect = require("effect/Effect")

const program = Effect.gen(function*() {
  const health = yield* HealthServer.make({ port: 0, checks: [HealthCheck.make({ name: "app", check: Effect.void })] })
  const response = yield* Effect.promise(() => fetch("http://127.0.0.1:" + health.address.port + "/healthz"))
  return { status: response.status, body: yield* Effect.promise(() => response.text()), core: typeof plain }
})

Effect.runPromise(Effect.scoped(program)).then((result) => console.log(JSON.stringify(result)))
`

describe("the published Effect 4 package", () => {
  live(
    "installs from `pnpm pack` with @stargazer/health-core, and works through its public name only",
    () =>
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
        for (
          const pkg of [
            "health-server-effect4/dist/index.d.ts",
            "health-server-effect4/README.md",
            "health-core/README.md"
          ]
        ) {
          assert.isTrue(Fs.existsSync(Path.join(dir, "node_modules/@stargazer", pkg)), pkg)
        }

        const redis = yield* RedisServer.make()
        const output = yield* run(process.execPath, ["consumer.mjs"], {
          cwd: dir,
          env: { ...process.env, REDIS_URL: redis.url, SG_HEALTH_PORT: "0", SG_HEALTH_CHECK_INTERVAL: "50 millis" }
        })
        assert.deepStrictEqual(JSON.parse(output.trim().split("\n").at(-1)!), {
          healthz: { status: 200, body: "OK" },
          verbose: { status: 200, body: "[+]redis ok\nlivez check passed\n" },
          router: "importable",
          internal: "ERR_PACKAGE_PATH_NOT_EXPORTED"
        })
      }),
    120_000
  )

  live(
    "type-checks as published: every entry point, named error channels, ES module and CommonJS apps",
    () =>
      Effect.tryPromise(() =>
        Pack.typeCheckEverywhere(line, Fs.readFileSync(Path.join(self, "test", "fixtures", "published.ts"), "utf8"))
      ),
    300_000
  )

  live("require()s from a CommonJS app, the core too", () =>
    Effect.gen(function*() {
      const result = yield* Effect.tryPromise(() => Pack.runCommonJs(line, required))
      assert.deepStrictEqual(result, { status: 200, body: "OK", core: "function" })
    }), 120_000)
})
