import effect from "@effect/eslint-plugin"
import tseslint from "typescript-eslint"

export default tseslint.config(
  { ignores: ["**/dist", "**/build", "**/node_modules", "**/*.md"] },
  ...tseslint.configs.recommended,
  ...effect.configs.dprint,
  {
    rules: {
      "no-console": "error",
      "object-shorthand": "error",
      "@typescript-eslint/array-type": ["error", { default: "generic", readonly: "generic" }],
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@effect/dprint": ["error", {
        config: {
          indentWidth: 2,
          lineWidth: 120,
          semiColons: "asi",
          quoteStyle: "alwaysDouble",
          trailingCommas: "never",
          operatorPosition: "maintain",
          "arrowFunction.useParentheses": "force"
        }
      }]
    }
  },
  {
    files: ["packages/*/src/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", {
        paths: [{ name: "effect", message: "Import Effect modules one by one (effect/Effect)." }]
      }]
    }
  },
  {
    // The core is the part of the library that does not depend on the Effect major: it imports no Effect, and
    // neither do its tests.
    files: ["packages/health-core/src/**/*.ts", "packages/health-core/test/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", {
        patterns: [{
          group: ["effect", "effect/*", "@effect/*"],
          message: "@stargazer/health-core is independent of Effect: move Effect code to the packages for each line."
        }]
      }]
    }
  },
  {
    files: ["examples/**/*.ts", "bench/**/*.ts", "bench/**/*.mjs"],
    rules: { "no-console": "off" }
  }
)
