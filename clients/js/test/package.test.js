// The npm tarball: what `npm pack` puts in it, and that it stands on its own (its README
// links nothing outside the package, its LICENSE is the repository's). No network.
import test from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const read = (...parts) => readFileSync(join(packageDir, ...parts), "utf8");

test("the tarball carries the licence, the README, the manifest and the sources", () => {
  const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--loglevel=error"], {
    cwd: packageDir,
    encoding: "utf8",
    timeout: 60_000,
  });
  const files = JSON.parse(out)[0].files.map((f) => f.path);
  for (const needed of ["LICENSE", "README.md", "package.json", "src/smq.js", "src/smq.d.ts", "src/smq-global.js"]) {
    assert.ok(files.includes(needed), `${needed} in ${JSON.stringify(files)}`);
  }
  assert.ok(!files.some((f) => f.startsWith("test")), "tests stay out of the tarball");
});

test("the README links nothing outside the package", () => {
  const links = [...read("README.md").matchAll(/\]\(([^)]+)\)/g)].map((m) => m[1]);
  const outside = links.filter((l) => !/^(https?:|#)/.test(l));
  assert.deepEqual(outside, [], "relative links break once the package leaves the repository");
});

test("the licence is the repository's Apache-2.0 and the manifest says so", () => {
  assert.equal(read("LICENSE"), read("..", "..", "LICENSE"));
  assert.match(read("LICENSE"), /Apache License\s+Version 2\.0/);
  assert.equal(JSON.parse(read("package.json")).license, "Apache-2.0");
});
