/**
 * What the secrets tests of the services and of the Effect 3 package share: the passwords, every probe answer a
 * client can get, a password rotation as an operator does it, and where a secret shows.
 */
import { Effect } from "effect"
import { request } from "./effect3/raw.js"
import * as RedisServer from "./effect3/redisServer.js"

export const password = "pw-Zq81x"
export const otherPassword = "pw-Other27"

const paths = ["/healthz", "/livez", "/readyz", "/startupz", "/readyz/redis", "/livez/redis"]
  .flatMap((path) => [path, `${path}?verbose`])

/** Every probe answer, plain, verbose and JSON, with its headers, as one text. */
export const everyAnswer = (port: number) =>
  Effect.forEach(
    paths.flatMap((path) => [[path, {}], [path, { accept: "application/json" }]] as const),
    ([path, headers]) => Effect.map(request(port, "GET", path, headers), (reply) => JSON.stringify(reply))
  ).pipe(Effect.map((replies) => replies.join("\n")))

/** Changes the server's password and cuts every other client, as an operator rotating it would. */
export const rotatePassword = (redis: RedisServer.RedisServer, from: string, to: string) =>
  Effect.orDie(
    RedisServer.rawCommand(redis.port, `AUTH ${from}`, `CONFIG SET requirepass ${to}`, "CLIENT KILL TYPE normal")
  )

/** The secrets found in `text`: the passwords, the Redis address or its port. */
export const leaks = (text: string, redis: RedisServer.RedisServer): Array<string> =>
  [password, otherPassword, `127.0.0.1:${redis.port}`, String(redis.port)].filter((secret) => text.includes(secret))
