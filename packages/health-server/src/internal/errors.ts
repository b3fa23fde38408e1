/**
 * The library's errors.
 *
 * @internal
 */
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
    const code = typeof this.cause === "object" && this.cause !== null && "code" in this.cause
      ? this.cause.code
      : undefined
    const why = code === "EADDRINUSE"
      ? "address already in use"
      : this.cause instanceof Error
      ? this.cause.message
      : String(this.cause)
    return `Health server cannot listen on ${this.host}:${this.port}: ${why}`
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
    const source = this.variable === undefined ? "" : ` (${this.variable})`
    return `Invalid health server option ${this.option}${source}: ${this.problem}`
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
    return `Redis check failed: ${this.reason}`
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
    return `Invalid Redis client option ${this.option}: ${this.problem}`
  }
}
