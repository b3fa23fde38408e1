/**
 * The Effect 4 side of the repository's Effect-free test utilities (`test/utils`): a resource they start,
 * scoped (started in the acquire, closed at release), and a promise as an Effect that fails with an `Error`.
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"

/** `start`'s resource for the scope: its `close` runs at release. */
export const scoped = <A extends { readonly close: () => unknown }>(
  start: () => Promise<A>
): Effect.Effect<A, never, Scope.Scope> =>
  Effect.acquireRelease(Effect.promise(start), (resource) => Effect.promise(async () => void await resource.close()))

/** A promise of the utilities (a read, a wait) as an Effect: a rejection is its `Error`. */
export const attempt = <A>(promise: () => Promise<A>): Effect.Effect<A, Error> =>
  Effect.tryPromise({ try: promise, catch: (error) => error instanceof Error ? error : new Error(String(error)) })
