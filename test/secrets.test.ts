/**
 * Secrets: with a password in the Redis URL, no probe body, header or log line ever contains it, nor the Redis
 * address, in any state (healthy, refused, frozen, wrong password, recovered), with failure details exposed.
 */
import { assert, describe } from "@effect/vitest"
import { RedisClient } from "@stargazer/health-server"
import { Effect, Option } from "effect"
import { checkStatus, eventually, live, liveLogged, serveOn } from "./utils/health.js"
import { request } from "./utils/raw.js"
import * as RedisServer from "./utils/redisServer.js"
import { startService } from "./utils/service.js"
import { targets } from "./utils/targets.js"

const password = "pw-Zq81x"
const otherPassword = "pw-Other27"

const paths = ["/healthz", "/livez", "/readyz", "/startupz", "/readyz/redis", "/livez/redis"]
  .flatMap((path) => [path, `${path}?verbose`])

/** Every probe answer, plain, verbose and JSON, with its headers, as one text. */
const everyAnswer = (port: number) =>
  Effect.forEach(
    paths.flatMap((path) => [[path, {}], [path, { accept: "application/json" }]] as const),
    ([path, headers]) => Effect.map(request(port, "GET", path, headers), (reply) => JSON.stringify(reply))
  ).pipe(Effect.map((replies) => replies.join("\n")))

/** Changes the server's password and cuts every other client, as an operator rotating it would. */
const rotatePassword = (redis: RedisServer.RedisServer, from: string, to: string) =>
  Effect.orDie(
    RedisServer.rawCommand(redis.port, `AUTH ${from}`, `CONFIG SET requirepass ${to}`, "CLIENT KILL TYPE normal")
  )

/** The secrets found in `text`: the passwords, the Redis address or its port. */
const leaks = (text: string, redis: RedisServer.RedisServer): Array<string> =>
  [password, otherPassword, `127.0.0.1:${redis.port}`, String(redis.port)].filter((secret) => text.includes(secret))

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

  for (const target of targets) {
    live(
      `${target.name}: the service: no body, header or log line shows the password or the address`,
      () =>
        Effect.gen(function*() {
          const { port, redis, service } = yield* startService(target, "node", {
            SG_HEALTH_EXPOSE_DETAILS: "true",
            SG_HEALTH_CHECK_TIMEOUT: "300 millis",
            SG_HEALTH_FAILURE_THRESHOLD: "1"
          }, { password })
          const seen: Array<string> = []
          const state = (status: number, reason = "") =>
            eventually(
              request(port, "GET", "/readyz?verbose"),
              (reply) => reply.status === status && reply.body.includes(reason)
            ).pipe(
              Effect.zipRight(everyAnswer(port)),
              Effect.map((answers) => seen.push(answers))
            )
          yield* state(200)
          yield* redis.kill
          yield* state(503, "ECONNREFUSED")
          yield* redis.restart
          yield* state(200)
          yield* rotatePassword(redis, password, otherPassword)
          yield* state(503, "WRONGPASS")
          yield* rotatePassword(redis, otherPassword, password)
          yield* state(200)
          yield* service.signal("SIGTERM")
          assert.strictEqual(yield* service.exit, 0)

          const text = seen.join("\n") + "\n" + service.output()
          assert.include(text, "WRONGPASS")
          assert.deepStrictEqual(leaks(text, redis), [], text)
        })
    )
  }
})
