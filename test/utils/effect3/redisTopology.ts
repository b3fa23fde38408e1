/**
 * `test/utils/redisTopology.ts` for Effect 3 suites: a Cluster or a Sentinel set-up scoped to the test, its
 * operations as Effects; and the library's readiness changes, timed.
 */
import type { HealthServer } from "@stargazer/health-server"
import { Duration, Effect, Stream } from "effect"
import type { Scope } from "effect"
import * as Raw from "../raw.js"
import * as Plain from "../redisTopology.js"
import type { RedisServer } from "./redisServer.js"
import { effectful } from "./redisServer.js"
import { attempt, scoped } from "./scoped.js"

/** Connections of clients to the servers on `ports` (`redisTopology.clientConnections`). */
export const clientConnections = (ports: ReadonlyArray<number>): Effect.Effect<number> =>
  Effect.orDie(attempt(() => Plain.clientConnections(ports)))

/** The client connections on `ports` now, and `back`: waits until there are as many again (up to 10 s). */
export const connectionsNow = (ports: ReadonlyArray<number>) =>
  Effect.map(Effect.promise(() => Plain.connectionsNow(ports)), ({ back, baseline }) => ({
    baseline,
    back: attempt(back)
  }))

export interface Cluster {
  readonly nodes: ReadonlyArray<RedisServer>
  readonly seeds: ReadonlyArray<{ readonly host: string; readonly port: number }>
  readonly state: (node: RedisServer) => Effect.Effect<string>
  readonly awaitState: (state: string, nodes?: ReadonlyArray<RedisServer>) => Effect.Effect<void, Error>
  readonly infoCalls: (node: RedisServer) => Effect.Effect<number>
}

/** A cluster of three primaries (no replicas), every slot assigned and `cluster_state:ok` on each node. */
export const cluster = (): Effect.Effect<Cluster, never, Scope.Scope> =>
  Effect.map(scoped(Plain.cluster), (plain) => ({
    nodes: plain.nodes.map(effectful),
    seeds: plain.seeds,
    state: (node) => Effect.promise(() => plain.state(node.plain)),
    awaitState: (state, nodes) => attempt(() => plain.awaitState(state, nodes?.map((node) => node.plain))),
    infoCalls: (node) => Effect.promise(() => plain.infoCalls(node.plain))
  }))

export interface Sentinels {
  readonly name: string
  readonly primary: RedisServer
  readonly replica: RedisServer
  readonly sentinels: ReadonlyArray<{ readonly port: number }>
  readonly addresses: ReadonlyArray<{ readonly host: string; readonly port: number }>
  readonly ports: ReadonlyArray<number>
  /** The port of the next `+switch-master`'s new primary, waiting for it up to `within`. */
  readonly nextSwitch: (within: Duration.DurationInput) => Effect.Effect<number, Error>
  readonly setDownAfter: (millis: number) => Effect.Effect<void>
}

/** A primary, its replica and three sentinels that all know both and one another. */
export const sentinels = (name?: string): Effect.Effect<Sentinels, never, Scope.Scope> =>
  Effect.map(scoped(() => Plain.sentinels(name)), (plain) => ({
    name: plain.name,
    primary: effectful(plain.primary),
    replica: effectful(plain.replica),
    sentinels: plain.sentinels,
    addresses: plain.addresses,
    ports: plain.ports,
    nextSwitch: (within) => attempt(() => plain.nextSwitch(Duration.toMillis(within))),
    setDownAfter: (millis) => Effect.promise(() => plain.setDownAfter(millis))
  }))

/**
 * When the probes next answer readiness `ready` (at once when they already do), as `Date.now()` when the
 * state changed, waiting up to `within`.
 */
export const readyAt = (
  health: HealthServer.HealthState,
  ready: boolean,
  within: Duration.DurationInput
): Effect.Effect<number, Error> =>
  health.changes.pipe(
    Stream.filter((status) => status.ready === ready),
    Stream.map(() => Date.now()),
    Stream.runHead,
    Effect.flatten,
    Effect.timeoutFail({
      duration: within,
      onTimeout: () => new Error(`readiness not ${ready} within ${Duration.format(Duration.decode(within))}`)
    }),
    Effect.mapError((error) => error instanceof Error ? error : new Error("the changes ended"))
  )

/** A GET whose body is asked as JSON (`Accept: application/json`), parsed. */
export const getJson = (port: number, path: string): Effect.Effect<{ readonly status: number; readonly body: any }> =>
  Effect.promise(() => Raw.getJson(port, path))
