/**
 * The package as a user gets it: `pnpm pack` builds the tarball, which is unpacked into a consumer's
 * node_modules and used through its public name only, from plain JavaScript, against a real Redis.
 */
import { assert, describe } from "@effect/vitest"
import { Effect } from "effect"
import type * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { live } from "./utils/health.js"
import * as Pack from "./utils/pack.js"
import { root } from "./utils/process.js"
import * as RedisServer from "./utils/redisServer.js"

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

const packInto = (name: string, modules: string) =>
  Effect.tryPromise({ try: () => Pack.packInto(name, modules), catch: (error) => error as Error })

/**
 * Installs a packed package's `dependencies` into the consumer the way a package manager does for a user:
 * each one at `node_modules/<name>`; the workspace's own packages packed like the first, the others as a link
 * to the copy the workspace installed (offline, from pnpm's store). Its peers (effect, @effect/platform,
 * ioredis) the user installs; here they resolve from the workspace root.
 */
const installDependencies = (pkg: string, from: string, modules: string): Effect.Effect<Array<string>, Error> =>
  Effect.gen(function*() {
    const manifest = JSON.parse(Fs.readFileSync(Path.join(pkg, "package.json"), "utf8"))
    const installed: Array<string> = []
    for (const [name, range] of Object.entries<string>(manifest.dependencies ?? {})) {
      if (Fs.existsSync(Path.join(modules, name))) continue
      installed.push(`${name}@${range}`)
      if (name.startsWith("@stargazer/")) {
        const packed = yield* packInto(name, modules)
        const source = Path.join(root, "packages", name.slice("@stargazer/".length))
        installed.push(...yield* installDependencies(packed, source, modules))
      } else {
        const target = Path.join(modules, name)
        Fs.mkdirSync(Path.dirname(target), { recursive: true })
        Fs.symlinkSync(Fs.realpathSync(Path.join(from, "node_modules", name)), target)
      }
    }
    return installed
  })

describe("the published package", () => {
  live("installs from `pnpm pack` and works through its public name only", () =>
    Effect.gen(function*() {
      const dir = Path.join(root, "build", "consumer")
      const modules = Path.join(dir, "node_modules")
      Fs.rmSync(dir, { recursive: true, force: true })
      const pkg = yield* packInto("@stargazer/health-server", modules)
      assert.isTrue(Fs.existsSync(Path.join(pkg, "dist", "index.d.ts")), "types are shipped")
      const source = Path.join(root, "packages", "health-server")
      assert.deepStrictEqual(yield* installDependencies(pkg, source, modules), [
        "@stargazer/health-core@^0.0.0",
        "negotiator@^1.1.0"
      ])
      Fs.writeFileSync(Path.join(dir, "consumer.mjs"), consumer)

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
})
