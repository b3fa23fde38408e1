/**
 * Spawning the example service as a real process (Node with tsx's loader, one process), scoped: released by
 * SIGKILL to its pid if it is still running.
 */
import { Effect } from "effect"
import type { Scope } from "effect"
import * as ChildProcess from "node:child_process"
import * as Path from "node:path"

export const root = Path.resolve(import.meta.dirname, "../..")

export interface Service {
  readonly pid: number
  readonly output: () => string
  readonly signal: (signal: NodeJS.Signals) => Effect.Effect<void>
  /** The exit code, or the signal that ended it. */
  readonly exit: Effect.Effect<number | NodeJS.Signals>
}

export const spawnService = (
  script: string,
  env: Record<string, string>
): Effect.Effect<Service, never, Scope.Scope> =>
  Effect.gen(function*() {
    const child = yield* Effect.acquireRelease(
      Effect.sync(() =>
        ChildProcess.spawn(process.execPath, ["--import", "tsx", script], {
          cwd: root,
          env: { ...process.env, TSX_TSCONFIG_PATH: "tsconfig.base.json", NO_COLOR: "1", ...env },
          stdio: ["ignore", "pipe", "pipe"]
        })
      ),
      (child) =>
        Effect.sync(() => {
          if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
        })
    )
    let output = ""
    child.stdout.on("data", (chunk) => output += chunk)
    child.stderr.on("data", (chunk) => output += chunk)
    const exited = new Promise<number | NodeJS.Signals>((resolve) =>
      child.once("exit", (code, signal) => resolve(code ?? signal!))
    )
    return {
      pid: child.pid!,
      output: () => output,
      signal: (signal) => Effect.sync(() => child.kill(signal)),
      exit: Effect.promise(() => exited).pipe(
        Effect.timeoutFail({ duration: "30 seconds", onTimeout: () => new Error(`no exit; output:\n${output}`) }),
        Effect.orDie
      )
    }
  })
