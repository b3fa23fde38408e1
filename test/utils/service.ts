/**
 * The example service (`examples/service`) as users run it, each with a Redis of its own and its health server
 * on a port the OS picked (`SG_HEALTH_PORT=0`; the port is read from its `health_server_started` line).
 */
import { assert } from "@effect/vitest"
import { Effect, Option } from "effect"
import type { Scope } from "effect"
import * as Http from "node:http"
import * as RedisServer from "./effect3/redisServer.js"
import { eventually, get } from "./http.js"
import type { Service } from "./process.js"
import { spawnService } from "./process.js"
import type { Target } from "./targets.js"

export interface Started {
  readonly service: Service
  readonly redis: RedisServer.RedisServer
  /** The health server's port, as the service logged it. */
  readonly port: number
}

/** The port in the service's `health_server_started` line, once it is there. */
export const boundPort = (service: Service): Effect.Effect<number, Error> =>
  eventually(
    Effect.sync(() => /health_server_started[\s\S]*?port: (\d+)/.exec(service.output())),
    (match) => match !== null || !service.groupAlive(),
    "45 seconds"
  ).pipe(
    Effect.filterOrFail((match) => match !== null, () => new Error("exited")),
    Effect.map((match) => Number(match![1])),
    Effect.mapError(() => new Error(`the service did not start; output:\n${service.output()}`))
  )

/**
 * Spawns a service against `redis`, its health server on a port the system picks (`SG_HEALTH_PORT=0`) and its
 * checks every 200 ms, with `env` over that; reads the port from its `health_server_started` line and waits
 * until `/readyz` answers 200.
 */
export const launch = (
  redis: RedisServer.RedisServer,
  how: Parameters<typeof spawnService>[0],
  env: Record<string, string> = {}
): Effect.Effect<Started, Error, Scope.Scope> =>
  Effect.gen(function*() {
    const service = yield* spawnService(how, {
      REDIS_URL: redis.url,
      SG_HEALTH_PORT: "0",
      SG_HEALTH_CHECK_INTERVAL: "200 millis",
      ...env
    })
    const port = yield* boundPort(service)
    yield* eventually(
      Effect.option(get(port, "/readyz")),
      (reply) => Option.isSome(reply) && reply.value.status === 200,
      "30 seconds"
    )
    return { service, redis, port }
  })

/**
 * Starts `target`'s example service (or `options.script`) through its `pnpm` script or `node`, with a Redis of
 * its own; see `launch`.
 */
export const startService = (
  target: Target,
  via: "pnpm" | "node",
  env: Record<string, string> = {},
  options: { readonly script?: string; readonly password?: string } = {}
): Effect.Effect<Started, Error, Scope.Scope> =>
  Effect.gen(function*() {
    const { password, script = via === "pnpm" ? target.script : target.service } = options
    const redis = yield* RedisServer.make(password === undefined ? {} : { password })
    return yield* launch(redis, { via, script }, {
      ...(password === undefined ? {} : { REDIS_URL: `redis://:${password}@127.0.0.1:${redis.port}` }),
      ...env
    })
  })

/** GETs over one kept-alive connection, opened before a test signals: requests in flight on it during a drain. */
export const keepAliveClient = (port: number) =>
  Effect.acquireRelease(
    Effect.sync(() => new Http.Agent({ keepAlive: true, maxSockets: 1 })),
    (agent) => Effect.sync(() => agent.destroy())
  ).pipe(Effect.map((agent) => ({
    get: (path: string) =>
      Effect.async<{ readonly status: number; readonly body: string }, Error>((resume) => {
        const request = Http.get({ host: "127.0.0.1", port, path, agent }, (response) => {
          let body = ""
          response.setEncoding("utf8")
          response.on("data", (chunk) => body += chunk)
          response.on("end", () => resume(Effect.succeed({ status: response.statusCode!, body })))
        })
        request.on("error", (error) => resume(Effect.fail(error)))
        return Effect.sync(() => request.destroy())
      }).pipe(Effect.timeoutFail({ duration: "5 seconds", onTimeout: () => new Error(`GET ${path} timed out`) })),
    /** Sockets the agent holds open (a kept-alive connection shows as 1). */
    sockets: () => Object.values(agent.sockets).flat().length + Object.values(agent.freeSockets).flat().length
  })))

/** Whether `names` appear in `output` in this order. */
export const inOrder = (output: string, names: ReadonlyArray<string>): boolean =>
  names.map((name) => output.indexOf(name)).every((index, i, all) => index !== -1 && (i === 0 || index > all[i - 1]))

/**
 * Milliseconds between the first `from` and `to` lines, from the pretty logger's `[HH:MM:SS.mmm]` stamps; across
 * midnight, `to` is on the next day.
 */
export const millisBetween = (output: string, from: string, to: string): number => {
  const at = (message: string) => {
    const match = new RegExp(`\\[(\\d\\d):(\\d\\d):(\\d\\d)\\.(\\d{3})\\] \\w+ \\(#\\d+\\): ${message}`).exec(output)
    if (match === null) return Number.NaN
    const [, h, m, s, ms] = match.map(Number)
    return ((h * 60 + m) * 60 + s) * 1000 + ms
  }
  const between = at(to) - at(from)
  return between < 0 ? between + 86_400_000 : between
}

/**
 * The drain every graceful shutdown test asks for: long enough to probe in with the machine's cores busy (the
 * shutdown tests run side by side, beside other files), short enough for CI.
 */
export const drainMillis = 6_000

/**
 * Signals a started service with `send` and asserts the whole graceful shutdown as a user meets it: readiness
 * 503 and liveness 200 during the drain, on a connection opened before the signal and on new ones; the drain
 * lasts the whole shutdown delay; the log lines in order; the exit code; nothing left running; no ELIFECYCLE.
 */
export const assertGracefulShutdown = (
  started: Started,
  send: Effect.Effect<void>,
  expectedExit: number | NodeJS.Signals = 0
) =>
  Effect.gen(function*() {
    const { port, service } = started
    const kept = yield* keepAliveClient(port)
    assert.deepStrictEqual(yield* kept.get("/readyz"), { status: 200, body: "Ready" })

    yield* send
    // In flight on the connection opened before the signal, and on new connections: drain answers.
    yield* eventually(
      kept.get("/readyz").pipe(Effect.orElseSucceed(() => ({ status: 0, body: "" }))),
      (reply) => reply.status === 503,
      "2 seconds"
    )
    assert.deepStrictEqual(yield* kept.get("/livez"), { status: 200, body: "OK" })
    assert.strictEqual(kept.sockets(), 1)
    assert.deepStrictEqual(yield* get(port, "/healthz"), { status: 200, body: "OK", contentType: "text/plain" })
    assert.strictEqual(
      (yield* get(port, "/readyz?verbose")).body,
      "[+]redis ok\n[-]shutdown failed: draining\nreadyz check failed\n"
    )

    assert.strictEqual(yield* service.exit, expectedExit, service.output())
    yield* service.groupGone
    const output = service.output()
    assert.isTrue(
      inOrder(output, ["shutdown_started", "health_server_draining", "health_server_stopped", "worker_stopped"]),
      output
    )
    // The drain was not cut short: it lasted the whole shutdown delay.
    assert.isAtLeast(millisBetween(output, "health_server_draining", "health_server_stopped"), drainMillis - 50, output)
    assert.notInclude(output, "shutdown_forced")
    assert.notInclude(output, "ELIFECYCLE")
  })
