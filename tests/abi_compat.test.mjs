// The compiled account must contain every entry of the MinimalAccount interface it is
// wire-compatible with (tests/fixtures/minimal-account.abi.json, a copy of the published ABI):
// same names, types, internal types, parameter names, mutability and indexing.
// Needs `forge build` first (the test command runs it).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const read = (path) => {
  try {
    return JSON.parse(readFileSync(join(root, path), "utf8"));
  } catch (err) {
    throw new Error(`${path}: ${err.message} (run \`forge build\` first)`);
  }
};

const fixture = read("tests/fixtures/minimal-account.abi.json");
const compiled = read("out/SessionAccount.sol/SessionAccount.json").abi;

/** Recursively sorts object keys so that entries compare by content. */
const canonical = (value) =>
  Array.isArray(value)
    ? value.map(canonical)
    : value && typeof value === "object"
      ? Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical(value[k])]))
      : value;

const signature = (entry) =>
  `${entry.type} ${entry.name ?? ""}(${(entry.inputs ?? []).map((i) => i.type).join(",")})`;

test("the fixture is the 31-entry interface", () => {
  assert.equal(fixture.length, 31);
});

for (const expected of fixture) {
  test(`compiled ABI has ${signature(expected)}`, () => {
    const actual = compiled.find((entry) => signature(entry) === signature(expected));
    assert.ok(actual, `missing from the compiled ABI: ${signature(expected)}`);
    assert.deepEqual(canonical(actual), canonical(expected));
  });
}
