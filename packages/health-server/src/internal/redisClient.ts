/**
 * The Redis connection the `redis` check uses: a client the library owns (built for probing, connected at
 * acquire, closed at release) for a single server, a Redis Cluster or a Sentinel-managed primary, or one the
 * application owns (never closed by the library); and the check for each.
 *
 * @internal
 */
import { redisCheckName } from "@stargazer/health-core/options"
import type { Client } from "@stargazer/health-core/redis"
import { describeError, isCluster, isRedisUrl, nonOverlapping } from "@stargazer/health-core/redis"
import type { Topology } from "@stargazer/health-core/redisTopology"
import { makeClusterCheck, reconnectWhenEnded, topologyOf } from "@stargazer/health-core/redisTopology"
import { withDetails } from "@stargazer/health-core/state"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import type { RedisOptions } from "ioredis"
import { Cluster, Redis } from "ioredis"
import type * as HealthCheck from "../HealthCheck.js"
import type * as RedisClient from "../RedisClient.js"
import { RedisCheckError, RedisClientError } from "./errors.js"
import { annotate } from "./log.js"

/** @internal */
export const RedisClientTag = Context.GenericTag<RedisClient.RedisClient>("@stargazer/health-server/RedisClient")

/** The `redis` check of a `RedisClient`. @internal */
export const redisCheck = (redis: RedisClient.RedisClient): HealthCheck.HealthCheck => ({
  name: redisCheckName,
  check: redis.check
})

/** Why the connection is down, when the client knows (its last connection error); for a client it owns. */
type ConnectionError = () => Error | undefined

/** A command `client` refused: a client that is not up says only that, its connection's own error says why. */
const refused = (client: Client, error: unknown, connectionError: ConnectionError): RedisCheckError => {
  const cause = client.status === "ready" ? error : connectionError() ?? error
  return new RedisCheckError({ reason: describeError(client, cause), cause })
}

/** A PING that never overlaps itself. */
const pingCheck = (client: Client, connectionError: ConnectionError): Effect.Effect<void, RedisCheckError> => {
  const ping = nonOverlapping(() => client.ping())
  return Effect.tryPromise({ try: ping, catch: (error) => refused(client, error, connectionError) }).pipe(
    Effect.asVoid
  )
}

/**
 * `CLUSTER INFO` of each primary in turn: succeeds with the cluster's details while `cluster_state` is `ok`,
 * fails with them otherwise, and fails when the primary asked cannot be reached.
 */
const clusterCheck = (cluster: Cluster, connectionError: ConnectionError): Effect.Effect<unknown, RedisCheckError> => {
  const ask = makeClusterCheck(cluster)
  return Effect.tryPromise({ try: ask, catch: (error) => refused(cluster, error, connectionError) }).pipe(
    Effect.flatMap(({ details, ok }) =>
      ok
        ? Effect.succeed(withDetails(details))
        : Effect.fail(
          new RedisCheckError({ reason: `cluster_state:${details.cluster_state}`, cause: undefined, details })
        )
    )
  )
}

const checkOf = (client: Client, connectionError: ConnectionError): Effect.Effect<unknown, RedisCheckError> =>
  isCluster(client) ? clusterCheck(client, connectionError) : pingCheck(client, connectionError)

/** @internal */
export const makePing = (client: Client): Effect.Effect<void, RedisCheckError> => pingCheck(client, () => undefined)

/** @internal */
export const makeCheck = (client: Client): Effect.Effect<unknown, RedisCheckError> => checkOf(client, () => undefined)

/** @internal */
export const fromClient = (client: Client): RedisClient.RedisClient => ({ client, check: makeCheck(client) })

const reveal = (value: Redacted.Redacted | string | undefined): string | undefined =>
  value === undefined ? undefined : Redacted.isRedacted(value) ? Redacted.value(value) : value

/** How often a Cluster client the library owns fetches the slots again (ioredis' default: never). */
const slotsRefreshMillis = 5_000

/** A client the library owns, and how to close it (bounded, never failing). */
interface Owned {
  readonly client: Client
  readonly close: Effect.Effect<void>
}

/** `QUIT`, bounded by `closeTimeout`, then the sockets dropped whatever happened. */
const quitThenDisconnect = (client: Client, closeTimeout: Duration.DurationInput): Effect.Effect<void> =>
  Effect.tryPromise({ try: () => client.quit(), catch: (error) => error }).pipe(
    Effect.timeout(closeTimeout),
    Effect.ignore,
    Effect.ensuring(Effect.sync(() => client.disconnect()))
  )

const create = (topology: Topology, options: RedisClient.Options, connectTimeout: Duration.Duration): Owned => {
  const password = reveal(options.password)
  const withPassword = (password: string | undefined) => password === undefined ? {} : { password }
  const commands = { maxRetriesPerRequest: 1, connectTimeout: Duration.toMillis(connectTimeout) }
  // Connected at acquire; a command sent while disconnected fails at once instead of waiting.
  const base: RedisOptions = { lazyConnect: true, enableOfflineQueue: false, ...commands }
  const closeTimeout = options.closeTimeout ?? "1 second"
  switch (topology._tag) {
    case "Single": {
      // A password in the URL wins over `password`.
      const client = new Redis(topology.url, {
        ...base,
        ...withPassword(new URL(topology.url).password === "" ? password : undefined),
        ...options.redisOptions
      })
      return { client, close: quitThenDisconnect(client, closeTimeout) }
    }
    case "Cluster": {
      const client = new Cluster([...topology.nodes], {
        lazyConnect: true,
        enableOfflineQueue: false,
        slotsRefreshInterval: slotsRefreshMillis,
        ...options.cluster?.clusterOptions,
        redisOptions: { ...commands, ...withPassword(password), ...options.redisOptions }
      })
      return { client, close: quitThenDisconnect(client, closeTimeout) }
    }
    case "Sentinel": {
      const client = new Redis({
        ...base,
        ...withPassword(password),
        sentinels: [...topology.sentinels],
        name: topology.name,
        // Follows `+switch-master` at once, also away from a primary that hangs instead of closing its sockets.
        failoverDetector: true,
        ...options.redisOptions
      })
      const guard = reconnectWhenEnded(client)
      const close = Effect.sync(() => {
        guard.close()
        // `quit()` would leave the detector's subscriptions to the sentinels open; `disconnect()` closes them.
        client.disconnect()
      })
      return { client, close }
    }
  }
}

/** The options given in code as one topology, or the `RedisClientError` naming what is wrong. */
const topologyFrom = (options: RedisClient.Options): Effect.Effect<Topology, RedisClientError> => {
  const topology = topologyOf({ url: reveal(options.url), cluster: options.cluster, sentinel: options.sentinel })
  if ("problem" in topology) return Effect.fail(new RedisClientError({ reason: "InvalidOption", ...topology }))
  if (topology._tag === "Single" && !isRedisUrl(topology.url)) {
    return Effect.fail(
      new RedisClientError({
        reason: "InvalidUrl",
        option: "url",
        problem: "expected redis://[user:password@]host[:port][/db] or rediss://..."
      })
    )
  }
  return Effect.succeed(topology)
}

/** @internal */
export const make = (
  options: RedisClient.Options = {}
): Effect.Effect<RedisClient.RedisClient, RedisClientError, Scope.Scope> =>
  Effect.gen(function*() {
    const topology = yield* topologyFrom(options)
    const connectTimeout = Duration.decode(options.connectTimeout ?? "5 seconds")
    let connectionError: Error | undefined
    const { client } = yield* Effect.acquireRelease(
      Effect.sync(() => {
        const owned = create(topology, options, connectTimeout)
        const failed = (error: Error) => connectionError = error
        // ioredis emits "error" once per failed (re)connection attempt; without a listener it prints them.
        owned.client.on("error", failed)
        if (isCluster(owned.client)) owned.client.on("node error", failed)
        owned.client.on("ready", () => connectionError = undefined)
        return owned
      }),
      (owned) => owned.close
    )
    yield* Effect.tryPromise({ try: () => client.connect(), catch: (error) => error }).pipe(
      Effect.timeout(connectTimeout),
      Effect.catchAll((error) =>
        Effect.logWarning("redis_connect_failed").pipe(
          // The connection's own error (ECONNREFUSED, WRONGPASS, ...) says more than the rejected promise.
          Effect.annotateLogs({ reason: describeError(client, connectionError ?? error) }),
          annotate
        )
      )
    )
    return { client, check: checkOf(client, () => connectionError) }
  })

/** @internal */
export const layer = (options: RedisClient.Options = {}): Layer.Layer<RedisClient.RedisClient, RedisClientError> =>
  Layer.scoped(RedisClientTag, make(options))
