/**
 * The folder graph, enforced (`npm run check:imports`, part of `npm test`). Folders of src/ are
 * layers, lowest first: each may import only the folders before it, so no two folders can import
 * each other, directly or round a loop. The README's layout table lists them in this order.
 */
const LAYERS = [
  'leads', // the lead and its parsers: the domain, importing nothing of ours
  'routing', // routes: which leads go to whom; the routes file and its checks
  'timing', // backoff, calendar days
  'language', // English and Korean: the catalogues, the reader's language, times in the team's zone
  'config', // settings, read and checked once
  'logging',
  'telemetry',
  'health',
  'http', // the one HTTP client, retry loop, MSAL helper and body reader
  'graph', // Microsoft Graph as one app
  'storage', // Azure Tables and Queues
  'intake', // /api/leads and the Azure Table import: leads made durable exactly once
  'cards', // Adaptive Card templates and the functions that fill them
  'conversations', // where the app is installed, who is reached where, Teams' send budget
  'pipeline', // the worker and its contracts: lead writer, notifier, failures, alarms
  'dynamics', // the Dataverse side of those contracts
  'outlook', // lead mail
  'reminders', // credential expiry
  'validation', // validate's steps
  'digest', // the daily digest: its figures and its schedule
  'commands', // chat commands and card actions, on an interface of ours
  'teams', // the Bot Framework seam: botbuilder and teams-ai live here only
];

const layerRules = LAYERS.slice(0, -1).map((folder, i) => ({
  name: `layer-${folder}`,
  comment: `src/${folder}/ sits below ${LAYERS.slice(i + 1).join(', ')}: it may not import them.`,
  severity: 'error',
  from: { path: `^src/${folder}/` },
  to: { path: `^src/(${LAYERS.slice(i + 1).join('|')})/` },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'unlisted-folder',
      comment: 'Every folder of src/ has its place in LAYERS (.dependency-cruiser.cjs).',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^src/[^/]+/', pathNot: `^src/(${LAYERS.join('|')})/` },
    },
    {
      name: 'app-from-below',
      comment: 'src/app.ts and src/main.ts wire everything; nothing imports them back.',
      severity: 'error',
      from: { path: '^src/[^/]+/' },
      to: { path: '^src/(app|main)\\.ts$' },
    },
    {
      name: 'no-circular',
      comment: 'No module imports itself back round a loop, within a folder either.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'bot-framework-seam',
      comment:
        'botbuilder and @microsoft/teams-ai are past Microsoft support: they stay inside src/teams/, so moving to the Teams SDK is one folder.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/teams/' },
      to: { path: 'node_modules/(botbuilder[^/]*|@microsoft/teams-ai|botframework-[^/]+)/' },
    },
    {
      name: 'product-stands-alone',
      comment: 'The bot never imports its tests, the stand-ins, the bench or the scripts.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|emulators|bench|scripts)/' },
    },
    {
      name: 'stand-ins-from-the-docs',
      comment: "The stand-ins are written from Microsoft's documentation, not from the bot's code: they import neither.",
      severity: 'error',
      from: { path: '^emulators/', pathNot: '^emulators/test/' },
      to: { path: '^(src|test|bench|scripts)/' },
    },
    {
      name: 'no-dev-dependencies-in-production',
      comment: 'The production build installs dependencies only.',
      severity: 'error',
      from: { path: '^src/' },
      to: { dependencyTypes: ['npm-dev'] },
    },
    {
      name: 'resolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|\\.deploy)/' },
  },
};
