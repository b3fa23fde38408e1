/**
 * The library's errors, their fields and messages from `@stargazer/health-core/errors` (the same on both Effect
 * lines). Those about what a user gave the library (an option, a variable, an address) have a one-line stack:
 * their message says what to change, and a stack of internal frames would only bury it.
 *
 * @internal
 */
import * as Messages from "@stargazer/health-core/errors"
import type { Details } from "@stargazer/health-core/state"
import { detailsProperty } from "@stargazer/health-core/state"
import * as Data from "effect/Data"

/**
 * The system error is kept as its `code` and `reason`, not as a `cause`: Effect prints an error's `cause` as a
 * second error, with Node's own frames, under the line that says what to change.
 *
 * @internal
 */
export class HealthServerError extends Data.TaggedError("HealthServerError")<Messages.ListenFailureFields> {
  constructor(fields: Messages.ListenFailureFields) {
    super(fields)
    Messages.withoutStack(this)
  }

  override get message() {
    return Messages.listenFailure(this.host, this.port, this, this.variable)
  }
}

/** @internal */
export class HealthServerOptionsError extends Data.TaggedError("HealthServerOptionsError")<Messages.OptionFields> {
  constructor(fields: Messages.OptionFields) {
    super(fields)
    Messages.withoutStack(this)
  }

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
export class RedisClientError extends Data.TaggedError("RedisClientError")<Messages.RedisOptionFields> {
  constructor(fields: Messages.RedisOptionFields) {
    super(fields)
    Messages.withoutStack(this)
  }

  override get message() {
    return Messages.invalidRedisOption(this.option, this.problem, this.variable)
  }
}
