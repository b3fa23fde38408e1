/**
 * Secrets, in the services: with a password in the Redis URL, no probe body, header or log line ever contains
 * it, nor the Redis address, in any state (healthy, refused, wrong password, recovered), with failure details
 * exposed. (In the library, log lines at Debug included: each package's secrets test.)
 */
import { assert, describe } from "@effect/vitest"
import { Effect } from "effect"
import { request } from "./utils/effect3/raw.js"
import { eventually, live } from "./utils/http.js"
import { everyAnswer, leaks, otherPassword, password, rotatePassword } from "./utils/secrets.js"
import { startService } from "./utils/service.js"
import { targets } from "./utils/targets.js"

describe("secrets", () => {
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
