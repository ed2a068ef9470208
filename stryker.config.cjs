const { lstatSync, realpathSync } = require('node:fs');
const { join } = require('node:path');

/**
 * Stryker links node_modules into its sandbox only when it is a real folder. In a git worktree
 * whose node_modules is a symbolic link to another checkout's, it finds none; modules still
 * resolve (the sandbox sits inside this folder), but paths built from __dirname, like
 * emulators/azurite.ts's ../node_modules/azurite, do not. The build command, run in the sandbox
 * before the tests, makes that link itself.
 */
const nodeModules = join(__dirname, 'node_modules');
const linkNodeModules = lstatSync(nodeModules).isSymbolicLink()
  ? // Stryker splits the command at spaces and runs it without a shell: no spaces, no quoting.
    { buildCommand: `node -e require('node:fs').symlinkSync('${realpathSync(nodeModules)}','node_modules','dir')` }
  : {};

/**
 * Mutation testing of the domain core (`npm run mutate`; see test/README.md, "Mutation testing").
 * Not part of `npm test` or CI: it takes minutes.
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
module.exports = {
  packageManager: 'npm',
  testRunner: 'jest',
  // Each mutant runs only the tests that executed its code in the first (dry) run.
  coverageAnalysis: 'perTest',
  mutate: [
    'src/leads/**/*.ts',
    'src/intake/**/*.ts',
    'src/cards/**/*.ts',
    // The pipeline's decisions: where a lead stands (what the cards say), and what is retried,
    // what waits for an admin's fix and what is dead-lettered. The rest of lead-worker.ts (the
    // polling loop, the alert's timing) is left out: its tests are timing tests, slow per mutant.
    'src/pipeline/dynamics-standing.ts',
    // Its decisions only: failedPass, mayWrite, tryWrite, waitForFix and recordWrite (the rest is
    // marked "Stryker disable" in the file).
    'src/pipeline/lead-worker.ts',
  ],
  jest: {
    projectType: 'custom',
    configFile: 'jest.config.js',
    config: {
      // Stryker runs, for each mutant, the tests that cover it among the test files jest's
      // --findRelatedTests finds for the mutated file. These roots are where jest follows imports:
      // test/ and the folders mutated, plus src/outlook (the lead mail is built from the lead
      // card). Not all of src/: every test that starts the app would then be related to every
      // file, and loading one takes seconds even when none of its tests runs.
      roots: ['<rootDir>/test', '<rootDir>/src/leads', '<rootDir>/src/intake', '<rootDir>/src/cards', '<rootDir>/src/pipeline', '<rootDir>/src/outlook'],
      // Only the tests that exercise the code above, so the run takes minutes, not an hour.
      testMatch: [
        '<rootDir>/test/leads/**/*.test.ts',
        '<rootDir>/test/intake/**/*.test.ts',
        '<rootDir>/test/cards/**/*.test.ts',
        '<rootDir>/test/outlook/lead-mail.test.ts',
        '<rootDir>/test/dynamics/map-lead.test.ts',
        // The pipeline's decisions, driven fast; pipeline.test.ts and the alarm's test drive the
        // same code end to end with real waits, tens of seconds per mutant.
        '<rootDir>/test/pipeline/lead-worker-decisions.test.ts',
        '<rootDir>/test/pipeline/dynamics-standing.test.ts',
      ],
      // Stryker runs jest once per mutant: the local stack is started once per Stryker worker
      // process and kept (see the file), with no teardown (null, not undefined: the options
      // reach the worker as JSON, which would drop the key and keep jest.config.js's).
      globalSetup: '<rootDir>/test/support/stryker-global-setup.ts',
      globalTeardown: null,
      // ts-jest without type checking (transpile only): type-checking every test file again for
      // every mutant makes each jest run take seconds, not a fraction. `npm run typecheck` checks
      // the types; Stryker marks its mutated copies @ts-nocheck anyway.
      transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: { ...require('./tsconfig.json').compilerOptions, isolatedModules: true } }] },
    },
  },
  // Mutants in module-level constants (the regular expressions, lookup tables) are "static":
  // Stryker cannot tell which test covers them, so each would run every related test file in
  // full, tens of seconds apiece. They are left out of the run and the score (listed as
  // ignored in the report).
  ignoreStatic: true,
  // Two cores on the usual machine, shared with other work.
  concurrency: 2,
  // A mutant's tests get this much time beyond what they took unmutated (and 1.5 times that),
  // before it counts as hanging: jest's own start for each mutant varies with the machine's load.
  timeoutMS: 15000,
  // The sandbox copies live here (git-ignored); node_modules is symlinked into them (the default),
  // so paths like emulators/azurite.ts's ../node_modules/azurite resolve as in the checkout.
  tempDirName: '.stryker-tmp',
  ...linkNodeModules,
  // The JSON report lists every survivor with its place and replacement, for reading by script.
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  // A rerun tests again only the mutants whose code or covering tests changed since the last run
  // (recorded in reports/stryker-incremental.json); `npm run mutate -- --force` runs them all.
  incremental: true,
};
