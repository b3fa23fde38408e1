/**
 * The README's Kubernetes advice as an application meets it: each line's Quick start app (its own
 * `NodeRuntime.runMain`, so the line's default `ConfigProvider`) with `SG_HEALTH_LIVENESS_CHECKS` empty or
 * `none` keeps Redis out of liveness; unset, Redis gates it (the Python module's default).
 */
import { assert, describe } from "@effect/vitest"
import { Effect } from "effect"
import { get, live } from "./utils/health.js"
import { spawnService } from "./utils/process.js"
import * as RedisServer from "./utils/redisServer.js"
import { boundPort } from "./utils/service.js"
import { effect4Supported } from "./utils/targets.js"

const quickStarts = ["examples/quick-start.ts", ...effect4Supported ? ["examples/effect4/quick-start.ts"] : []]

/** `/livez?verbose` of the Quick start app `script` run with `env`; the app is stopped at the end. */
const livez = (script: string, redis: RedisServer.RedisServer, env: Record<string, string>) =>
  Effect.gen(function*() {
    const service = yield* spawnService({ via: "node", script }, { REDIS_URL: redis.url, SG_HEALTH_PORT: "0", ...env })
    return (yield* get(yield* boundPort(service), "/livez?verbose")).body
  }).pipe(Effect.scoped)

describe("the Kubernetes advice, in the Quick start apps", () => {
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
