// @ts-check
import js from "@eslint/js";
import { createNodeResolver, importX } from "eslint-plugin-import-x";
import { createTypeScriptImportResolver } from "eslint-import-resolver-typescript";
import reactHooks from "eslint-plugin-react-hooks";
import tseslint from "typescript-eslint";

/**
 * The import rules of STYLE.md, checked mechanically:
 *  - lib/ imports only lib/ (and small pure packages; no node:*, react, next, prisma, trpc).
 *  - components/ imports lib/, other components, and only TYPES from server/.
 *  - app/ imports lib/, components/, and only TYPES from server/.
 *  - server/engine knows nothing of tRPC or Next; only server/db constructs a Prisma client.
 */
const nodeBuiltins = ["node:*", "fs", "path", "os", "crypto", "child_process", "http", "net", "url", "util", "stream", "events"];

export default tseslint.config(
  { ignores: ["node_modules/**", ".next/**", "server/db/generated/**", "next-env.d.ts", "tmp/**", ".petrel/**", "test-results/**", "playwright-report/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { "import-x": importX, "react-hooks": reactHooks },
    settings: {
      "import-x/resolver-next": [createTypeScriptImportResolver({ project: "./tsconfig.json" }), createNodeResolver()],
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": ["error", { checksVoidReturn: { attributes: false } }],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "react-hooks/rules-of-hooks": "error",
      "react-hooks/exhaustive-deps": "error",
      "import-x/no-cycle": ["error", { ignoreExternal: true }],
      "import-x/no-restricted-paths": [
        "error",
        {
          zones: [
            { target: "./lib", from: ["./app", "./components", "./server", "./prisma", "./e2e", "./bench"], message: "lib/ is pure: it imports only lib/." },
            { target: "./components", from: ["./app", "./prisma"], message: "components/ does not import app/ or prisma/." },
            { target: "./app", from: ["./prisma"], message: "app/ does not import prisma/." },
            { target: "./server/engine", from: ["./server/api", "./app", "./components"], message: "server/engine knows nothing of tRPC or Next." },
            { target: "./server/services", from: ["./server/api", "./app", "./components"], message: "services do not depend on the API layer." },
          ],
        },
      ],
    },
  },
  {
    files: ["lib/**/*.ts"],
    ignores: ["lib/**/*.test.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: nodeBuiltins.filter((n) => !n.includes("*")).map((name) => ({ name, message: "lib/ is isomorphic: no Node built-ins." })),
          patterns: [
            { group: ["node:*"], message: "lib/ is isomorphic: no Node built-ins." },
            { group: ["react", "react-dom", "react/*", "next", "next/*", "@prisma/*", "@trpc/*", "pg", "@electric-sql/*", "ws"], message: "lib/ is pure: no framework or I/O libraries." },
          ],
        },
      ],
    },
  },
  {
    files: ["server/**/*.ts", "prisma/**/*.ts", "e2e/**/*.ts", "bench/**/*.ts"],
    ignores: ["server/db/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [{ group: ["**/db/generated/*", "@prisma/client", "@prisma/adapter-pg", "pglite-prisma-adapter"], message: "Only server/db constructs a Prisma client; import types from server/db/database." }],
        },
      ],
    },
  },
  {
    // components/ and app/ may import only TYPES from server/ (AppRouter, the API bridge's Caller).
    files: ["app/**/*.ts", "app/**/*.tsx", "components/**/*.ts", "components/**/*.tsx"],
    rules: {
      "no-restricted-imports": "off",
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["**/server/*", "**/server/**"], allowTypeImports: true, message: "app/ and components/ may import only types from server/." },
            { group: ["**/db/generated/*", "@prisma/client", "@prisma/adapter-pg", "pglite-prisma-adapter", "pg", "@electric-sql/*"], message: "No database code in the web app." },
          ],
        },
      ],
    },
  },
  {
    files: ["**/*.js"],
    ...tseslint.configs.disableTypeChecked,
  },
);
