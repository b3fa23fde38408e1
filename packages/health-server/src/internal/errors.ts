/**
 * The library's errors.
 *
 * @internal
 */
import * as Messages from "@stargazer/health-core/errors"
import type { Details } from "@stargazer/health-core/state"
import { detailsProperty } from "@stargazer/health-core/state"
import * as Data from "effect/Data"

/** @internal */
export class HealthServerError extends Data.TaggedError("HealthServerError")<{
  readonly host: string
  readonly port: number
  readonly cause: unknown
}> {
  override get message() {
    return Messages.listenFailure(this.host, this.port, this.cause)
  }
}

/** @internal */
export class HealthServerOptionsError extends Data.TaggedError("HealthServerOptionsError")<{
  readonly option: string
  readonly problem: string
  /** The environment variable the option was read from, when it was. */
  readonly variable?: string | undefined
}> {
  override get message() {
    return Messages.invalidOption(this.option, this.problem, this.variable)
  }
}

/** @internal */
export class RedisCheckError extends Data.TaggedError("RedisCheckError")<{
  readonly reason: string
  readonly cause: unknown
  /** What the check saw besides the failure (a Redis Cluster's `cluster_state` and slots), if anything. */
  readonly details?: Details | undefined
}> {
  override get message() {
    return Messages.redisCheckFailed(this.reason)
  }

  /** The details, where the health state looks for them. */
  get [detailsProperty](): Details | undefined {
    return this.details
  }
}

/** @internal */
export class RedisClientError extends Data.TaggedError("RedisClientError")<{
  /** `InvalidUrl`: `url` is not a Redis URL; `InvalidOption`: another option cannot be used. */
  readonly reason: "InvalidUrl" | "InvalidOption"
  /** The option, e.g. `url`, `cluster.nodes[1].port`, `sentinel.name`. */
  readonly option: string
  /** What is wrong with it; never its value when that may hold a password. */
  readonly problem: string
  readonly cause?: unknown
}> {
  override get message() {
    return Messages.invalidRedisOption(this.option, this.problem)
  }
}
