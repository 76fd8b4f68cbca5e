// Vite build of the broker's web app: a multi-page static site in dist/ that the broker
// serves as its web root (relative asset paths, so it works under any path prefix).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { resolve } from "node:path";
import { defineConfig } from "vite";

const here = fileURLToPath(new URL(".", import.meta.url));
const repo = resolve(here, "../../..");

// The JavaScript client is imported from the repository by relative path
// (src/smq.js -> clients/js/src/smq.js). Its one dependency, @msgpack/msgpack, is installed
// here; keep the pin identical to the client's so the bundle uses the tested version.
const clientPkg = JSON.parse(readFileSync(resolve(repo, "clients/js/package.json"), "utf8"));
const ownPkg = JSON.parse(readFileSync(resolve(here, "package.json"), "utf8"));
const want = clientPkg.dependencies?.["@msgpack/msgpack"];
const have = ownPkg.dependencies?.["@msgpack/msgpack"];
if (want !== have) {
  throw new Error(
    `@msgpack/msgpack: clients/js pins ${want}, broker/web/app pins ${have}; make them equal`,
  );
}

// Copies the protocol and client docs into dist/docs/ so the index page can link to them
// without internet access (the broker serves .md as text/plain).
const DOCS = ["protocol.md", "clients-js.md"];
function bundledDocs() {
  return {
    name: "smq-bundled-docs",
    generateBundle() {
      for (const name of DOCS) {
        this.emitFile({
          type: "asset",
          fileName: `docs/${name}`,
          source: readFileSync(resolve(repo, "docs", name), "utf8"),
        });
      }
    },
  };
}

const PAGES = ["index", "chat", "hello5", "dashboard"];

export default defineConfig({
  root: here,
  base: "./",
  publicDir: false,
  plugins: [bundledDocs()],
  resolve: {
    // Resolve the client's dependency from this project's node_modules, not from
    // clients/js/node_modules (which need not exist).
    dedupe: ["@msgpack/msgpack"],
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    assetsInlineLimit: 0,
    rollupOptions: {
      input: Object.fromEntries(PAGES.map((p) => [p, resolve(here, `${p}.html`)])),
    },
  },
  server: {
    // `npx vite` (dev server) may read the client from the repository.
    fs: { allow: [repo] },
  },
});
