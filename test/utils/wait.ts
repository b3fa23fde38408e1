/**
 * Waiting in real time for a condition, Effect-free: for the process utilities every suite shares. (Tests wait
 * with their own line's `eventually`.)
 */
import * as Util from "node:util"

export interface WaitOptions {
  readonly within: number
  readonly what: string
  readonly every?: number
}

/**
 * Reads `read` every `every` milliseconds (25 by default) until `predicate` holds, and resolves with that value;
 * past `within` milliseconds, rejects saying `what` was awaited and the last value read. A type guard as `predicate` narrows what it resolves with.
 */
export function waitFor<A, B extends A>(
  read: () => Promise<A>,
  predicate: (a: A) => a is B,
  options: WaitOptions
): Promise<B>
export function waitFor<A>(read: () => Promise<A>, predicate: (a: A) => boolean, options: WaitOptions): Promise<A>
export async function waitFor<A>(
  read: () => Promise<A>,
  predicate: (a: A) => boolean,
  options: WaitOptions
): Promise<A> {
  const deadline = Date.now() + options.within
  let last: { readonly value: A } | { readonly error: unknown } | undefined
  for (;;) {
    try {
      const value = await read()
      if (predicate(value)) return value
      last = { value }
    } catch (error) {
      last = { error }
    }
    if (Date.now() >= deadline) {
      const seen = last === undefined ? "" : "value" in last ? last.value : last.error
      throw new Error(
        `${options.what}: not within ${options.within} ms; last read: ${Util.inspect(seen, { breakLength: Infinity })}`
      )
    }
    await new Promise((resolve) => setTimeout(resolve, options.every ?? 25))
  }
}
