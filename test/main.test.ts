import { freePort } from '../emulators/free-port';
import { runMain } from './support/main-process';
import { waitFor } from './support/pipeline';
import { dynamicsEnv } from './support/shared-services';
import { INTAKE_KEY } from './support/test-app';

describe('main', () => {
  it('stops at start-up with every settings problem named, and no secret echoed', async () => {
    const run = runMain({ PORT: '99999', LEAD_INTAKE_KEY: 'CANARY!' });
    expect((await run.exited).code).toBe(1);
    const { stderr } = run.output();
    expect(stderr).toContain("The bot's settings are not valid:");
    expect(stderr).toContain('PORT "99999" must be a whole number from 1 to 65535');
    expect(stderr).toContain('STORAGE_CONNECTION_STRING is missing');
    expect(stderr).toContain('LEAD_INTAKE_KEY is not usable');
    expect(stderr).toContain('Every setting, its meaning and default: docs/settings.md');
    expect(stderr).not.toContain('CANARY');
  });

  it('serves from the environment alone and shuts down on SIGTERM', async () => {
    const port = await freePort();
    const run = runMain({
      PORT: String(port),
      STORAGE_CONNECTION_STRING: process.env.TEST_STORAGE_CONNECTION_STRING ?? '',
      STORAGE_NAME_PREFIX: 'mainproc',
      LEAD_INTAKE_KEY: INTAKE_KEY,
      ...dynamicsEnv('https://127.0.0.1:9'),
    });
    // Without BOT_ID it answers this machine only: it listens on loopback, not on every address.
    await waitFor(() => run.output().stdout, (out) => out.includes('"url":') || run.child.exitCode !== null);
    expect(run.output().stdout).toContain(`"url":"http://127.0.0.1:${String(port)}"`);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);

    run.child.kill('SIGTERM');
    expect((await run.exited).code).toBe(0);
    expect(run.output().stdout).toMatch(/"msg":"shutting down"/);
  });

  it('refuses to start on App Service without its bot registration, naming the fix', async () => {
    const run = runMain({
      WEBSITE_SITE_NAME: 'leadbot',
      STORAGE_CONNECTION_STRING: 'DefaultEndpointsProtocol=https;AccountName=leadbotstore;AccountKey=c2VjcmV0;EndpointSuffix=core.windows.net',
      LEAD_INTAKE_KEY: INTAKE_KEY,
      ...dynamicsEnv('https://127.0.0.1:9'),
    });
    expect((await run.exited).code).toBe(1);
    expect(run.output().stderr).toContain('BOT_ID is missing: on App Service the bot needs its Azure Bot registration');
  });
});
