/**
 * Secrets, in the library: with a password in the Redis URL, no probe body, header or log line (Debug included)
 * ever contains it, nor the Redis address, in any state (healthy, refused, frozen, wrong password, recovered),
 * with failure details exposed. (The services: the root suite's secrets test.)
 */
import { assert, describe } from "@effect/vitest"
import { RedisClient } from "@stargazer/health-server"
import { Effect, Option } from "effect"
import * as RedisServer from "../../../test/utils/effect3/redisServer.js"
import { everyAnswer, leaks, otherPassword, password, rotatePassword } from "../../../test/utils/secrets.js"
import { checkStatus, eventually, liveLogged, serveOn } from "./utils/health.js"

describe("secrets", () => {
  liveLogged(
    "the library: no body, header or log line (Debug included) shows the password or the address",
    (logs) =>
      Effect.gen(function*() {
        const redis = yield* RedisServer.make({ password })
        const fast = { checkInterval: "100 millis", checkTimeout: "300 millis", failureThreshold: 1 } as const
        const health = yield* serveOn(
          RedisClient.layer({ url: `redis://:${password}@127.0.0.1:${redis.port}` }),
          { ...fast, exposeDetails: true }
        )
        const { port } = health.address
        const seen: Array<string> = []
        const state = (healthy: boolean) =>
          eventually(
            checkStatus(health),
            (status) => status.healthy === healthy && Option.isSome(status.lastCheckedAt)
          ).pipe(Effect.zipRight(everyAnswer(port)), Effect.map((answers) => seen.push(answers)))

        yield* state(true)
        yield* redis.kill // connection refused
        yield* state(false)
        yield* redis.restart
        yield* state(true)
        yield* redis.freeze // timed out
        yield* state(false).pipe(Effect.ensuring(redis.thaw))
        yield* state(true)
        yield* rotatePassword(redis, password, otherPassword) // WRONGPASS on reconnect
        yield* state(false)
        yield* rotatePassword(redis, otherPassword, password)
        yield* state(true)

        const text = seen.join("\n") + "\n" +
          logs.map((line) => `${line.level} ${line.message} ${JSON.stringify(line.annotations)}`).join("\n")
        // The reasons were shown and logged (refused, timed out, WRONGPASS), only never the secrets.
        for (const reason of ["ECONNREFUSED", "timed out", "WRONGPASS"]) assert.include(text, reason)
        assert.deepStrictEqual(leaks(text, redis), [], text)
      })
  )
})
