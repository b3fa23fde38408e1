/**
 * The README's code blocks are real code: each TypeScript block stands verbatim in a file that is
 * type-checked (and, for the TestClock example, run).
 */
import { assert, describe, it } from "@effect/vitest"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { root } from "./utils/process.js"

const read = (file: string) => Fs.readFileSync(Path.join(root, file), "utf8")

describe("README", () => {
  const readmes = ["README.md", "packages/health-server/README.md", "packages/health-server-effect4/README.md"]
  const blocks = readmes.flatMap((readme) =>
    [...read(readme).matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1].trim())
  )
  const sources = [
    "examples/quick-start.ts",
    "examples/service/main.ts",
    "examples/checks.ts",
    "examples/metrics-otlp.ts",
    "examples/effect4/quick-start.ts",
    "examples/effect4/service/main.ts",
    "examples/effect4/metrics-otlp.ts",
    "packages/health-server/test/readme.test.ts",
    "packages/health-server-effect4/test/readme.test.ts"
  ]
    .map(read)

  it("has its TypeScript examples", () => {
    assert.isAtLeast(blocks.length, 4)
  })

  for (const [i, block] of blocks.entries()) {
    it(`TypeScript block ${i + 1} stands in a checked source file`, () => {
      const normalize = (code: string) => code.replace(/\s+/g, " ").trim()
      assert.isTrue(sources.some((source) => normalize(source).includes(normalize(block))), block)
    })
  }
})
