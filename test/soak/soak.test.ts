import { canaryFindings, formatReport, runSoak } from './soak';

describe('the soak, for a minute (npm run soak runs it for longer)', () => {
  it('keeps every promise while instances are killed, Dynamics throttles, fails and goes down, Teams throttles and storage stops', async () => {
    const report = await runSoak({ seconds: 60, leadsPerSecond: 0.5, contacts: 6, seed: 1, say: () => undefined });
    // The figures, for whoever reads a failing run.
    expect({ failures: report.failures, report: formatReport(report) }).toEqual({ failures: [], report: expect.stringContaining('PASSED') as unknown });
    expect(report.acknowledged).toBeGreaterThanOrEqual(25);
    expect(report.dynamicsRecords).toBe(report.acknowledged);
    // One card per contact per lead; a card a killed instance had in flight may not have arrived.
    expect(report.cards).toBeLessThanOrEqual(report.acknowledged * 6);
    expect(report.cards).toBe(report.acknowledged * 6 - report.lostInFlight);
    expect(report.lostInFlight).toBeLessThanOrEqual(report.inFlightAtKill);
    // Every fault was really injected.
    expect(report.kills).toBeGreaterThanOrEqual(2);
    expect(report.injected.dynamicsOutageSeconds).toBe(20);
    expect(report.injected.storageDownSeconds).toBe(4);
    expect(report.injected.dynamicsThrottled).toBeGreaterThan(0);
    expect(report.injected.teamsThrottled).toBeGreaterThan(0);
    expect(report.refusedPosts).toBeGreaterThan(0);
  }, 300_000);

  it('finds a secret or a lead’s e-mail or phone written where it does not belong', () => {
    expect(canaryFindings(['{"msg":"lead accepted","leadId":"x"}'])).toEqual([]);
    expect(canaryFindings(['{"msg":"oops","email":"soak.canary.3@fabrikam.example"}', 'Authorization: soak-canary-intake-key-7f3e9a1c55d2'])).toEqual([
      expect.stringMatching(/^the intake key was written out: Authorization/),
      expect.stringMatching(/^a lead's e-mail was written out/),
    ]);
  });
});
