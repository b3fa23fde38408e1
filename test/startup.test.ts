/**
 * Start-up as users meet it, in the programs they start: each line's Quick start app (its own
 * `NodeRuntime.runMain`, so the line's default `ConfigProvider` and Effect's own printing of a failure) and the
 * example service under `pnpm start` / `pnpm start:effect4` (`Runner.runMain`).
 * - The README's Kubernetes advice: `SG_HEALTH_LIVENESS_CHECKS` empty or `none` keeps Redis out of liveness;
 *   unset, Redis gates it (the Python module's default).
 * - Every kind of configuration error stops start-up with one line that names the variable and what was
 *   expected: no stack of internal frames, no repeated cause, exit 1, nothing left running. Every kind under
 *   `pnpm start*`; under a Quick start app, whose layers are the same but whose printing is the app's own, one of
 *   each error class (that printing depends on the class alone).
 * The programs side by side, but a Quick start app one at a time and one case at a time: they serve their API on
 * port 3000 (`quickStart` holds it).
 */
import { assert, describe } from "@effect/vitest"
import { Effect, identity } from "effect"
import * as Net from "node:net"
import * as RedisServer from "./utils/effect3/redisServer.js"
import { get, live } from "./utils/http.js"
import { spawnService } from "./utils/process.js"
import { boundPort } from "./utils/service.js"
import { targets } from "./utils/targets.js"

const quickStarts = targets.map((target) => target.quickStart)

/** Port 3000, which every Quick start app binds: one Quick start program at a time. */
const quickStart = Effect.unsafeMakeSemaphore(1)

/** `/livez?verbose` of the Quick start app `script` run with `env`; the app is stopped at the end. */
const livez = (script: string, redis: RedisServer.RedisServer, env: Record<string, string>) =>
  Effect.gen(function*() {
    const service = yield* spawnService({ via: "node", script }, { REDIS_URL: redis.url, SG_HEALTH_PORT: "0", ...env })
    return (yield* get(yield* boundPort(service), "/livez?verbose")).body
  }).pipe(Effect.scoped, quickStart.withPermits(1))

describe.concurrent("the Kubernetes advice, in the Quick start apps", () => {
  for (const script of quickStarts) {
    live(
      `${script}: SG_HEALTH_LIVENESS_CHECKS empty or none keeps Redis out of liveness; unset, Redis gates it`,
      () =>
        Effect.gen(function*() {
          const redis = yield* RedisServer.make()
          for (const value of ["", "none"]) {
            assert.strictEqual(
              yield* livez(script, redis, { SG_HEALTH_LIVENESS_CHECKS: value }),
              "livez check passed\n",
              JSON.stringify(value)
            )
          }
          assert.match(yield* livez(script, redis, {}), /^\[[+-]\]redis /)
        }),
      120_000
    )
  }
})

/** A configuration error: the environment, and the one line it must print (the error's tag and message). */
interface Case {
  readonly env: Record<string, string>
  readonly line: string
  /** The first case of its error class: the one a Quick start app is tried with. */
  readonly first?: true
}

const duration = `(e.g. "500 millis" or "5 seconds")`

/** Every kind of error, for a port the test holds. */
const cases = (taken: number): ReadonlyArray<Case> => [
  {
    first: true,
    env: { SG_HEALTH_PORT: String(taken) },
    line: `HealthServerError: Health server cannot listen on 127.0.0.1:${taken}: address already in use; ` +
      `set SG_HEALTH_PORT to a free port, or 0 for any`
  },
  {
    // TEST-NET-1: an address no machine here has, so binding fails without a packet sent.
    env: { SG_HEALTH_HOST: "192.0.2.1", SG_HEALTH_PORT: "0" },
    line: "HealthServerError: Health server cannot listen on 192.0.2.1:0: address not available; " +
      "set SG_HEALTH_HOST to an address of this machine (127.0.0.1, or 0.0.0.0 for every interface)"
  },
  {
    first: true,
    env: { SG_HEALTH_PORT: "abc" },
    line: `HealthServerOptionsError: Invalid SG_HEALTH_PORT: Expected a port: an integer from 0 (any free port) ` +
      `to 65535, got "abc"`
  },
  {
    env: { SG_HEALTH_CHECK_INTERVAL: "soon" },
    line: `HealthServerOptionsError: Invalid SG_HEALTH_CHECK_INTERVAL: Expected a duration greater than zero ` +
      `${duration}, got "soon"`
  },
  {
    env: { SG_HEALTH_FAILURE_THRESHOLD: "0" },
    line: `HealthServerOptionsError: Invalid SG_HEALTH_FAILURE_THRESHOLD: Expected an integer >= 1, got "0"`
  },
  {
    env: { SG_HEALTH_METRICS: "maybe" },
    line: `HealthServerOptionsError: Invalid SG_HEALTH_METRICS: Expected true or false, got "maybe"`
  },
  {
    // Known only once the checks are: the option's own error, mapped to the variable.
    env: { SG_HEALTH_LIVENESS_CHECKS: "db" },
    line: `HealthServerOptionsError: Invalid SG_HEALTH_LIVENESS_CHECKS: no check is named "db" (the checks are: redis)`
  },
  {
    first: true,
    env: { REDIS_URL: "http://user:hunter2@127.0.0.1:6379" },
    line: "RedisClientError: Invalid REDIS_URL: Expected a redis:// or rediss:// URL"
  },
  {
    env: { REDIS_URL: "redis://127.0.0.1:1", REDIS_SENTINELS: "127.0.0.1:26379" },
    line:
      "RedisClientError: Invalid REDIS_SENTINELS: Expected one Redis topology, got REDIS_URL and REDIS_SENTINELS: " +
      "set only one of REDIS_URL, REDIS_CLUSTER_NODES and REDIS_SENTINELS"
  }
]

/** What only the runner reads. */
const runnerCases: ReadonlyArray<Case> = [
  {
    env: { SG_HEALTH_STOP_TIMEOUT: "never" },
    line: `HealthServerOptionsError: Invalid SG_HEALTH_STOP_TIMEOUT: Expected a duration greater than zero ` +
      `${duration}, got "never"`
  },
  {
    env: { SG_HEALTH_ENABLED: "maybe" },
    line: `HealthServerOptionsError: Invalid SG_HEALTH_ENABLED: Expected true or false, got "maybe"`
  }
]

interface Program {
  readonly name: string
  readonly via: "node" | "pnpm"
  readonly script: string
  /** Whether `Runner.runMain` runs it (it reads the runner's variables too). */
  readonly runner: boolean
}

const programs: ReadonlyArray<Program> = [
  ...targets.map((target) => ({
    name: `pnpm ${target.script}`,
    via: "pnpm" as const,
    script: target.script,
    runner: true
  })),
  ...quickStarts.map((script) => ({ name: script, via: "node" as const, script, runner: false }))
]

/** A port held by a listening socket for the scope. */
const takenPort = Effect.acquireRelease(
  Effect.async<Net.Server>((resume) => {
    const server = Net.createServer().listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
  }),
  (server) => Effect.sync(() => server.close())
).pipe(Effect.map((server) => (server.address() as Net.AddressInfo).port))

describe.concurrent("configuration errors say what to change, in one line", () => {
  for (const program of programs) {
    live(
      `${program.name}: ${
        program.runner ? "every kind" : "each class"
      } of configuration error, exit 1, nothing left running`,
      () =>
        Effect.gen(function*() {
          const redis = yield* RedisServer.make()
          const taken = yield* takenPort
          const all = program.runner ? [...cases(taken), ...runnerCases] : cases(taken).filter((kind) => kind.first)
          yield* Effect.forEach(all, ({ env, line }) =>
            Effect.gen(function*() {
              const service = yield* spawnService(program, { REDIS_URL: redis.url, ...env })
              const context = `${JSON.stringify(env)}:\n${service.output()}`
              assert.strictEqual(yield* service.exit, 1, context)
              yield* service.groupGone
              const output = service.output()
              const lines = output.split("\n")
              // The one line, whole: Effect 3's logger puts it under the log line's header, Effect 4's after it.
              const printed = lines.filter((text) => text.includes(line))
              assert.strictEqual(printed.length, 1, context)
              assert.isTrue(printed[0].trim() === line || printed[0].endsWith(`): ${line}`), context)
              assert.isFalse(lines.some((text) => /^\s+at /.test(text)), `a stack frame: ${context}`)
              assert.notInclude(output, "[cause]", context)
              assert.notInclude(output, "hunter2", context)
              assert.notInclude(output, "health_server_started", context)
            }).pipe(Effect.scoped, program.via === "node" ? quickStart.withPermits(1) : identity), { concurrency: 2 })
        }),
      180_000
    )
  }
})
