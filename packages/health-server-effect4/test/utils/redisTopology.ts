/**
 * Redis Cluster and Sentinel set-ups for integration tests, on loopback ports of their own, scoped: every
 * process is killed by its pid and every directory removed at release. Each `redis-server` has its own `--dir`
 * (a replica writes `dump.rdb` there; a cluster node its `nodes.conf`).
 *
 * - `cluster()`: three primaries, no replicas, `cluster-node-timeout` 1 s (the survivors report
 *   `cluster_state:fail` 1-2 s after a primary dies).
 * - `sentinels()` (from `redisSentinel.ts`): a primary, its replica and three sentinels (quorum 2),
 *   `down-after-milliseconds` 1 s and `failover-timeout` 3 s; `nextSwitch` reports each `+switch-master`.
 */
import type * as HealthServer from "@stargazer/health-server-effect4/HealthServer"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as ChildProcess from "node:child_process"
import * as Clients from "../../../../test/utils/redisClients.js"
import { eventually } from "./health.js"
import type { RedisServer } from "./redisServer.js"
import * as Redis from "./redisServer.js"
import { ask, subdir, tempDir } from "./redisServer.js"

export * from "./redisSentinel.js"

const within = (duration: Duration.Input, what: string) => () =>
  Effect.fail(new Error(`${what} within ${Duration.format(Duration.fromInputUnsafe(duration))}`))

/** `field:value` lines of an `INFO`-like reply. */
const fields = (reply: string): Record<string, string> =>
  Object.fromEntries(
    reply.split("\r\n").flatMap((line) => {
      const colon = line.indexOf(":")
      return colon === -1 ? [] : [[line.slice(0, colon), line.slice(colon + 1)]]
    })
  )

/**
 * Connections of clients to the servers on `ports`, from `CLIENT LIST` on each (see
 * `redisClients.clientConnections`): read again while a connection cannot be told yet (a sentinel's link before
 * it names itself), for up to 5 s.
 */
export const clientConnections = (ports: ReadonlyArray<number>): Effect.Effect<number> =>
  Effect.forEach(ports, (port) => ask(port, "CLIENT LIST"), { concurrency: "unbounded" }).pipe(
    Effect.map(Clients.clientConnections),
    Effect.filterOrFail(
      (count): count is number => count !== undefined,
      () => new Error("a connection still unnamed after 5 s")
    ),
    Effect.retry({ schedule: Schedule.spaced("10 millis"), times: 500 }),
    Effect.orDie
  )

/**
 * The client connections on `ports` now (see `clientConnections`), and `back`: waits until there are as many
 * again (up to 10 s), e.g. after a client's release.
 */
export const connectionsNow = (ports: ReadonlyArray<number>) =>
  Effect.map(clientConnections(ports), (baseline) => ({
    baseline,
    back: eventually(clientConnections(ports), (connections) => connections === baseline, "10 seconds").pipe(
      Effect.asVoid
    )
  }))

/** Runs a command to its end; a failure is a defect carrying its output. */
const run = (command: string, args: ReadonlyArray<string>): Effect.Effect<string> =>
  Effect.callback<string>((resume) => {
    const child = ChildProcess.execFile(command, args, { timeout: 30_000 }, (error, stdout, stderr) =>
      resume(
        error === null
          ? Effect.succeed(stdout)
          : Effect.die(new Error(`${command} failed: ${error}\n${stdout}${stderr}`))
      ))
    return Effect.sync(() => child.kill("SIGKILL"))
  })

export interface Cluster {
  readonly nodes: ReadonlyArray<RedisServer>
  /** The nodes as `RedisClient.Options.cluster.nodes`. */
  readonly seeds: ReadonlyArray<{ readonly host: string; readonly port: number }>
  /** `cluster_state` as `node` reports it (`ok`, `fail`). */
  readonly state: (node: RedisServer) => Effect.Effect<string>
  /** Waits until every node in `nodes` reports `state`. */
  readonly awaitState: (state: string, nodes?: ReadonlyArray<RedisServer>) => Effect.Effect<void, Error>
  /** Calls of `CLUSTER INFO` that `node` has answered. */
  readonly infoCalls: (node: RedisServer) => Effect.Effect<number>
}

/** A cluster of three primaries (no replicas), every slot assigned and `cluster_state:ok` on each node. */
export const cluster = (): Effect.Effect<Cluster, Error, Scope.Scope> =>
  Effect.gen(function*() {
    const root = yield* tempDir
    const nodes = yield* Effect.forEach(
      ["a", "b", "c"],
      (name) =>
        Redis.make({
          args: ["--cluster-enabled", "yes", "--cluster-node-timeout", "1000", "--dir", subdir(root, name)]
        }),
      { concurrency: "unbounded" }
    )
    yield* run("redis-cli", [
      "--cluster",
      "create",
      ...nodes.map((node) => `127.0.0.1:${node.port}`),
      "--cluster-replicas",
      "0",
      "--cluster-yes"
    ])
    const state = (node: RedisServer) =>
      Effect.map(ask(node.port, "CLUSTER INFO"), (info) => fields(info).cluster_state ?? "unknown")
    const awaitState = (wanted: string, which: ReadonlyArray<RedisServer> = nodes) =>
      eventually(
        Effect.forEach(which, state),
        (states) => states.every((state) => state === wanted),
        "20 seconds"
      ).pipe(Effect.asVoid)
    yield* awaitState("ok")
    return {
      nodes,
      seeds: nodes.map((node) => ({ host: "127.0.0.1", port: node.port })),
      state,
      awaitState,
      infoCalls: (node) => Redis.commandCalls(node, "cluster\\|info")
    }
  })

/**
 * When the probes next answer readiness `ready` (at once when they already do), as `Date.now()` when the
 * state changed, waiting up to `within`.
 */
export const readyAt = (
  health: HealthServer.HealthState,
  ready: boolean,
  duration: Duration.Input
): Effect.Effect<number, Error> =>
  health.changes.pipe(
    Stream.filter((status) => status.ready === ready),
    Stream.map(() => Date.now()),
    Stream.runHead,
    Effect.flatMap((head) =>
      head._tag === "Some" ? Effect.succeed(head.value) : Effect.fail(new Error("the changes ended"))
    ),
    Effect.timeoutOrElse({ duration, orElse: within(duration, `readiness not ${ready}`) })
  )

/** A GET whose body is asked as JSON (`Accept: application/json`), parsed. */
export const getJson = (port: number, path: string): Effect.Effect<{ readonly status: number; readonly body: any }> =>
  Effect.promise(async () => {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, {
      headers: { accept: "application/json", connection: "close" },
      signal: AbortSignal.timeout(5_000)
    })
    return { status: response.status, body: await response.json() }
  })
