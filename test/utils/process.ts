/**
 * Services as real processes, started the way users start them: `pnpm start` (pnpm, then node through tsx's
 * loader) or `node --import tsx <script>` directly. Each runs in a process group of its own, as a terminal or a
 * supervisor would start it, so a test can signal the whole group (Ctrl-C, `kill -TERM -PGID`, systemd's
 * control group) or one process. Scoped: released by SIGKILL to that group if anything in it still runs.
 */
import { Effect } from "effect"
import type { Scope } from "effect"
import * as ChildProcess from "node:child_process"
import * as Path from "node:path"
import { eventually } from "./http.js"

export const root = Path.resolve(import.meta.dirname, "../..")

export interface Service {
  /** The pid of the process spawned: pnpm for `pnpm start`, node otherwise; it leads the process group. */
  readonly pid: number
  readonly output: () => string
  /** Sends `signal` to the spawned process alone. */
  readonly signal: (signal: NodeJS.Signals) => Effect.Effect<void>
  /** Sends `signal` to every process of the group, as a terminal or a supervisor does. */
  readonly signalGroup: (signal: NodeJS.Signals) => Effect.Effect<void>
  /** The exit code, or the signal that ended it. */
  readonly exit: Effect.Effect<number | NodeJS.Signals>
  /** Whether any process of the group is still running. */
  readonly groupAlive: () => boolean
  /** Waits until no process of the group runs (bounded), so a test can assert nothing is left behind. */
  readonly groupGone: Effect.Effect<void, Error>
}

const groupAlive = (pgid: number): boolean => {
  try {
    process.kill(-pgid, 0)
    return true
  } catch {
    return false
  }
}

/** The test runner's environment without the service's own variables: a test's `env` is all it is given. */
const inherited = (): NodeJS.ProcessEnv =>
  Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith("SG_HEALTH_") && !name.startsWith("REDIS_"))
  )

/**
 * Starts `script` with `node --import tsx` (`via: "node"`), or through the project's `pnpm <script>` (`via:
 * "pnpm"`: `pnpm start` runs `examples/service/main.ts`, `pnpm start:effect4` its Effect 4 twin), with `env`
 * over the test's environment.
 */
export const spawnService = (
  options: { readonly via: "node" | "pnpm"; readonly script: string },
  env: Record<string, string>
): Effect.Effect<Service, never, Scope.Scope> =>
  Effect.gen(function*() {
    const [command, args] = options.via === "pnpm"
      ? ["pnpm", [options.script]]
      : [process.execPath, ["--import", "tsx", options.script]]
    const child = yield* Effect.acquireRelease(
      Effect.sync(() =>
        ChildProcess.spawn(command, args, {
          cwd: root,
          detached: true,
          env: { ...inherited(), TSX_TSCONFIG_PATH: "tsconfig.base.json", NO_COLOR: "1", ...env },
          stdio: ["ignore", "pipe", "pipe"]
        })
      ),
      (child) =>
        Effect.sync(() => {
          if (groupAlive(child.pid!)) process.kill(-child.pid!, "SIGKILL")
        })
    )
    let output = ""
    child.stdout.on("data", (chunk) => output += chunk)
    child.stderr.on("data", (chunk) => output += chunk)
    const exited = new Promise<number | NodeJS.Signals>((resolve) =>
      child.once("exit", (code, signal) => resolve(code ?? signal!))
    )
    const pid = child.pid!
    return {
      pid,
      output: () => output,
      signal: (signal) => Effect.sync(() => child.kill(signal)),
      signalGroup: (signal) => Effect.sync(() => process.kill(-pid, signal)),
      exit: Effect.promise(() => exited).pipe(
        Effect.timeoutFail({ duration: "60 seconds", onTimeout: () => new Error(`no exit; output:\n${output}`) }),
        Effect.orDie
      ),
      groupAlive: () => groupAlive(pid),
      groupGone: eventually(Effect.sync(() => groupAlive(pid)), (alive) => !alive, "30 seconds").pipe(
        Effect.mapError(() => new Error(`process group ${pid} still running; output:\n${output}`))
      )
    }
  })
