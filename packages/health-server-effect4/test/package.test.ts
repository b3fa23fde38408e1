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

const packInto = (name: string, modules: string) =>
  Effect.tryPromise({ try: () => Pack.packInto(name, modules), catch: (error) => error as Error })

/** Links `name` into `modules` from the copy the workspace installed for `from` (offline, pnpm's store). */
const link = (name: string, from: string, modules: string) => {
  const target = Path.join(modules, name)
  Fs.mkdirSync(Path.dirname(target), { recursive: true })
  Fs.symlinkSync(Fs.realpathSync(Path.join(from, "node_modules", name)), target)
}

describe("the published Effect 4 package", () => {
  live(
    "installs from `pnpm pack` with @stargazer/health-core, and works through its public name only",
    () =>
      Effect.gen(function*() {
        const dir = Path.join(self, "build", "consumer")
        const modules = Path.join(dir, "node_modules")
        Fs.rmSync(dir, { recursive: true, force: true })
        const pkg = yield* packInto("@stargazer/health-server-effect4", modules)
        const manifest = JSON.parse(Fs.readFileSync(Path.join(pkg, "package.json"), "utf8"))
        assert.deepStrictEqual(manifest.dependencies, { "@stargazer/health-core": "^0.0.0" })
        assert.isTrue(Fs.existsSync(Path.join(pkg, "dist", "index.d.ts")), "types are shipped")
        const core = yield* packInto("@stargazer/health-core", modules)
        const coreManifest = JSON.parse(Fs.readFileSync(Path.join(core, "package.json"), "utf8"))
        assert.deepStrictEqual(Object.keys(coreManifest.dependencies), ["negotiator"])
        link("negotiator", Path.join(Pack.workspace, "packages", "health-core"), modules)
        // The peers the application owns: effect 4, @effect/platform-node 4, ioredis 6.
        for (const peer of ["effect", "@effect/platform-node", "ioredis"]) link(peer, self, modules)
        Fs.writeFileSync(Path.join(dir, "consumer.mjs"), consumer)

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
})
