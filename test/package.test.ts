/**
 * The package as a user gets it: `pnpm pack` builds the tarball, which is unpacked into a consumer's
 * node_modules and used through its public name only, from plain JavaScript, against a real Redis.
 */
import { assert, describe } from "@effect/vitest"
import { Effect } from "effect"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { live } from "./utils/health.js"
import { root } from "./utils/process.js"
import * as RedisServer from "./utils/redisServer.js"

const run = (command: string, args: ReadonlyArray<string>, options: ChildProcess.SpawnOptions = {}) =>
  Effect.async<string, Error>((resume) => {
    let output = ""
    const child = ChildProcess.spawn(command, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"], ...options })
    child.stdout!.on("data", (chunk) => output += chunk)
    child.stderr!.on("data", (chunk) => output += chunk)
    child.once(
      "exit",
      (code) =>
        resume(code === 0 ? Effect.succeed(output) : Effect.fail(new Error(`${command} exited ${code}:\n${output}`)))
    )
  })

const consumer = `
import { HealthServer, HealthServerLive, RedisClient } from "@stargazer/health-server"
import * as HealthStatus from "@stargazer/health-server/HealthStatus"
import { Effect, Layer, Option } from "effect"

const AppLive = Layer.effectDiscard(Effect.logInfo("app_started"))
const MainLive = Layer.mergeAll(AppLive, HealthServerLive).pipe(Layer.provide(RedisClient.layerConfig()))

const program = Effect.gen(function*() {
  const health = yield* HealthServer.HealthServer
  while (Option.isNone((yield* health.status).checks[0].lastCheckedAt)) yield* Effect.sleep("20 millis")
  const response = yield* Effect.promise(() => fetch("http://127.0.0.1:" + process.env.SG_HEALTH_PORT + "/readyz"))
  const internal = yield* Effect.promise(() => import("@stargazer/health-server/internal/pingLoop").then(
    () => "importable",
    (error) => error.code
  ))
  return {
    status: response.status,
    body: yield* Effect.promise(() => response.text()),
    ready: (yield* health.status).ready,
    initial: HealthStatus.initialCheck("redis").healthy,
    internal
  }
})

Effect.runPromise(Effect.provide(program, MainLive)).then((result) => console.log(JSON.stringify(result)))
`

describe("the published package", () => {
  live("installs from `pnpm pack` and works through its public name only", () =>
    Effect.gen(function*() {
      const dir = Path.join(root, "build", "consumer")
      const pkg = Path.join(dir, "node_modules", "@stargazer", "health-server")
      Fs.rmSync(dir, { recursive: true, force: true })
      Fs.mkdirSync(pkg, { recursive: true })
      yield* run("pnpm", ["--filter", "@stargazer/health-server", "pack", "--pack-destination", dir])
      const tarball = Fs.readdirSync(dir).find((name) => name.endsWith(".tgz"))!
      yield* run("tar", ["-xzf", Path.join(dir, tarball), "--strip-components=1", "-C", pkg])
      assert.isTrue(Fs.existsSync(Path.join(pkg, "dist", "index.d.ts")), "types are shipped")
      Fs.writeFileSync(Path.join(dir, "consumer.mjs"), consumer)

      const redis = yield* RedisServer.make()
      const port = yield* RedisServer.freePort
      const output = yield* run(process.execPath, ["consumer.mjs"], {
        cwd: dir,
        env: {
          ...process.env,
          REDIS_URL: redis.url,
          SG_HEALTH_PORT: String(port),
          SG_HEALTH_PING_INTERVAL: "50 millis"
        }
      })
      const result = JSON.parse(output.trim().split("\n").at(-1)!)
      assert.deepStrictEqual(result, {
        status: 200,
        body: "Ready",
        ready: true,
        initial: true,
        internal: "ERR_PACKAGE_PATH_NOT_EXPORTED"
      })
    }), 120_000)
})
