/**
 * What a check reports besides its outcome: kept per check, shown in JSON always and in `?verbose` only with
 * details exposed.
 */
import { assert, describe } from "@effect/vitest"
import { HealthCheck, HealthServer } from "@stargazer/health-server"
import { Effect, Option, Ref, Stream } from "effect"
import { request } from "../../../test/utils/effect3/raw.js"
import { live } from "./utils/health.js"

const serve = (exposeDetails: boolean, up: Ref.Ref<boolean>) =>
  HealthServer.make({
    port: 0,
    checks: [HealthCheck.make({
      name: "store",
      check: Effect.flatMap(Ref.get(up), (ok) =>
        ok
          ? Effect.succeed(HealthCheck.details({ state: "ok", nodes: 3 }))
          : Effect.fail(new Error("down")))
    })],
    checkInterval: "20 millis",
    failureThreshold: 1,
    exposeDetails
  })

describe("check details", () => {
  live("are kept with the check and shown in JSON, and in ?verbose with details exposed", () =>
    Effect.gen(function*() {
      const up = yield* Ref.make(true)
      const exposed = yield* serve(true, up)
      const withheld = yield* serve(false, up)
      for (const server of [exposed, withheld]) {
        yield* server.changes.pipe(Stream.filter((status) => status.started), Stream.runHead)
      }
      const check = (yield* exposed.status).checks[0]
      assert.deepStrictEqual(check.details, Option.some({ state: "ok", nodes: 3 }))

      const json = yield* request(withheld.address.port, "GET", "/readyz", { accept: "application/json" })
      assert.deepStrictEqual(JSON.parse(json.body).checks.store.details, { state: "ok", nodes: 3 })
      const verbose = yield* request(exposed.address.port, "GET", "/readyz?verbose")
      assert.strictEqual(verbose.body, "[+]store ok (state=ok nodes=3)\nreadyz check passed\n")
      const plain = yield* request(withheld.address.port, "GET", "/readyz?verbose")
      assert.strictEqual(plain.body, "[+]store ok\nreadyz check passed\n")

      // A failure without details clears them: they describe the last run.
      yield* Ref.set(up, false)
      yield* exposed.changes.pipe(Stream.filter((status) => !status.ready), Stream.runHead)
      assert.isTrue(Option.isNone((yield* exposed.status).checks[0].details))
    }), 60_000)
})
