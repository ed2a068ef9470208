import { MailLimiter } from '../../src/outlook/mail-limiter';
import { ManualClock } from '../support/manual-clock';

describe('the mail limiter', () => {
  it('lets 30 mails a minute go from one mailbox, and the 31st when the first is a minute old', async () => {
    const clock = new ManualClock();
    const limiter = new MailLimiter(30, clock);
    const sentAt: number[] = [];
    const all = Promise.all(Array.from({ length: 31 }, () => limiter.take().then(() => sentAt.push(clock.now()))));
    await clock.advance(0);
    expect(sentAt).toHaveLength(30);
    await clock.advance(59_999);
    expect(sentAt).toHaveLength(30);
    await clock.advance(1);
    await all;
    expect((sentAt[30] ?? 0) - (sentAt[0] ?? 0)).toBe(60_000);
  });
});
