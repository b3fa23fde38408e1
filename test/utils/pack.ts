/**
 * A workspace package as publishing makes it, for the packed-package tests of both Effect lines: plain Node and
 * promises, no Effect, so that each line's test wraps them in its own Effect.
 */
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"

/** The workspace root. */
export const workspace = Path.resolve(import.meta.dirname, "../..")

/** Runs `command` (in the workspace root unless `options.cwd`); its output when it exits 0, else an error with it. */
export const run = (
  command: string,
  args: ReadonlyArray<string>,
  options: ChildProcess.SpawnOptions = {}
): Promise<string> =>
  new Promise((resolve, reject) => {
    let output = ""
    const child = ChildProcess.spawn(command, args, { cwd: workspace, stdio: ["ignore", "pipe", "pipe"], ...options })
    child.stdout!.on("data", (chunk) => output += chunk)
    child.stderr!.on("data", (chunk) => output += chunk)
    // "close", not "exit": the whole of its output.
    child.once("close", (code) =>
      code === 0 ? resolve(output) : reject(new Error(`${command} exited ${code}:\n${output}`)))
  })

/**
 * Packs the workspace package `name` (`pnpm pack`, as publishing does: `workspace:` ranges become versions)
 * and unpacks it into the consumer's node_modules `modules`; its directory there.
 */
export const packInto = async (name: string, modules: string): Promise<string> => {
  const target = Path.join(modules, name)
  Fs.mkdirSync(target, { recursive: true })
  await run("tar", ["-xzf", await tarball(name), "--strip-components=1", "-C", target])
  return target
}

/** The tarballs packed so far in this process, by package name: a package is packed once per test file. */
const tarballs = new Map<string, Promise<string>>()

/** The tarball of the workspace package `name`, packed (`pnpm pack`) into a directory of its own. */
const tarball = (name: string): Promise<string> => {
  let packed = tarballs.get(name)
  if (packed === undefined) {
    const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "sg-health-pack-"))
    process.once("exit", () => Fs.rmSync(dir, { recursive: true, force: true }))
    packed = run("pnpm", ["--filter", name, "pack", "--pack-destination", dir]).then(() =>
      Path.join(dir, Fs.readdirSync(dir).find((file) => file.endsWith(".tgz"))!)
    )
    tarballs.set(name, packed)
  }
  return packed
}

/**
 * A fresh application outside the workspace: a directory of its own in the system's temp dir, holding `files`
 * (its `package.json` among them). The caller removes it.
 */
export const makeApp = (files: Readonly<Record<string, string>>): string => {
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "sg-health-app-"))
  for (const [name, text] of Object.entries(files)) {
    Fs.mkdirSync(Path.dirname(Path.join(dir, name)), { recursive: true })
    Fs.writeFileSync(Path.join(dir, name), text)
  }
  return dir
}

/**
 * Links `name` into the app's `node_modules` from the copy the workspace installed for its package directory
 * `from` (offline, from pnpm's store): what an application installs itself (the peers, TypeScript's types).
 */
export const link = (app: string, name: string, from: string): void => {
  const target = Path.join(app, "node_modules", name)
  if (Fs.existsSync(target)) return
  Fs.mkdirSync(Path.dirname(target), { recursive: true })
  Fs.symlinkSync(Fs.realpathSync(Path.join(from, "node_modules", name)), target)
}

/**
 * Installs the workspace package `name` into the app as a package manager does for a user: packed, then each of
 * its `dependencies` at `node_modules/<name>`, the workspace's own packed likewise, the others linked to the copy
 * the workspace installed. Its peers the app links itself (`link`). What it installed, as `name@range` after
 * the package itself.
 */
export const install = async (app: string, name: string): Promise<Array<string>> => {
  const modules = Path.join(app, "node_modules")
  const pkg = await packInto(name, modules)
  const source = Path.join(workspace, "packages", name.slice("@stargazer/".length))
  const manifest = JSON.parse(Fs.readFileSync(Path.join(pkg, "package.json"), "utf8"))
  const installed: Array<string> = []
  for (const [dependency, range] of Object.entries<string>(manifest.dependencies ?? {})) {
    if (Fs.existsSync(Path.join(modules, dependency))) continue
    installed.push(`${dependency}@${range}`)
    if (dependency.startsWith("@stargazer/")) installed.push(...await install(app, dependency))
    else link(app, dependency, source)
  }
  return installed
}

/** Type-checks the app with the workspace's TypeScript (`tsc -p`, its own `tsconfig.json`); its errors if any. */
export const typeCheck = (app: string): Promise<string> =>
  run(process.execPath, [Path.join(workspace, "node_modules", "typescript", "bin", "tsc"), "-p", app], { cwd: app })

/**
 * The `tsconfig.json` of an application that checks what it is given: `strict`, and `skipLibCheck: false`, so
 * that the packages' own declarations are checked too. `lib` has `DOM`, as Effect's own set-up has:
 * `@effect/platform`'s declarations name web types (`Storage`, `Transferable`).
 */
export const strictTsconfig = JSON.stringify({
  compilerOptions: {
    strict: true,
    exactOptionalPropertyTypes: true,
    skipLibCheck: false,
    module: "nodenext",
    moduleResolution: "nodenext",
    target: "es2022",
    lib: ["es2022", "dom"],
    types: ["node"],
    noEmit: true
  }
})

/** The optional peers of both packages' Prometheus endpoint (the ranges differ by line, the names do not). */
export const openTelemetryPeers: ReadonlyArray<string> = [
  "@effect/opentelemetry",
  "@opentelemetry/api",
  "@opentelemetry/exporter-prometheus",
  "@opentelemetry/resources",
  "@opentelemetry/sdk-metrics"
]

/** A published package as an application of its Effect line installs it. */
export interface Line {
  /** The package's name, e.g. `@stargazer/health-server`. */
  readonly name: string
  /** The peers every application installs (taken from the workspace's copies for the package). */
  readonly peers: ReadonlyArray<string>
  /** The optional peers (the Prometheus endpoint's). */
  readonly optionalPeers: ReadonlyArray<string>
}

/**
 * A fresh application outside the workspace (`makeApp(files)`) with `line`'s package installed, its peers,
 * the optional ones when `optional`, and Node's types. Its directory, and what `install` installed.
 */
export const appWith = async (
  line: Line,
  files: Readonly<Record<string, string>>,
  optional: boolean
): Promise<{ readonly dir: string; readonly installed: ReadonlyArray<string> }> => {
  const dir = makeApp(files)
  const installed = await install(dir, line.name)
  const packageDir = Path.join(workspace, "packages", line.name.slice("@stargazer/".length))
  for (const peer of [...line.peers, ...optional ? line.optionalPeers : []]) link(dir, peer, packageDir)
  link(dir, "@types/node", workspace)
  return { dir, installed }
}

/** `use` on a fresh app (`appWith`), removed after. */
const withApp = async <A>(
  line: Line,
  files: Readonly<Record<string, string>>,
  optional: boolean,
  use: (dir: string) => Promise<A>
): Promise<A> => {
  const { dir } = await appWith(line, files, optional)
  try {
    return await use(dir)
  } finally {
    Fs.rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * Type-checks `program` (TypeScript using the package) with the package as published, in three fresh
 * applications with `strictTsconfig`: an ES module one with the optional peers, one without them, and a
 * CommonJS one (`"type": "commonjs"`, `module: nodenext`). Rejects with the compiler's errors, naming the app.
 */
export const typeCheckEverywhere = async (line: Line, program: string): Promise<void> => {
  const apps = [{ type: "module", optional: true }, { type: "module", optional: false }, {
    type: "commonjs",
    optional: true
  }]
  for (const { optional, type } of apps) {
    const files = { "package.json": JSON.stringify({ type }), "tsconfig.json": strictTsconfig, "main.ts": program }
    await withApp(line, files, optional, (dir) =>
      typeCheck(dir).catch((error) => {
        throw new Error(`a ${type} app (optional peers: ${optional}): ${error}`)
      }))
  }
}

/** Runs `script` (plain JavaScript that `require`s) in a fresh CommonJS application; its last line, as JSON. */
export const runCommonJs = (line: Line, script: string): Promise<unknown> =>
  withApp(line, { "package.json": JSON.stringify({ type: "commonjs" }), "main.js": script }, false, async (dir) => {
    const output = await run(process.execPath, ["main.js"], { cwd: dir })
    return JSON.parse(output.trim().split("\n").at(-1)!)
  })
