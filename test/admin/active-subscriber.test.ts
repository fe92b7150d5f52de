// An offset is moved only while no subscriber delivers with it, then the subscriber resumes there.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { messengerHost } from '../../cmd/keyop-messenger/admin/hosts.js';
import { runAdminRequest } from '../../internal/admin/index.js';
import { ErrorCode, Messenger } from '../../src/index.js';
import { silentLogger } from '../../internal/logger/index.js';
import { collector } from '../support/messages.js';
import { tempDir } from '../support/temp-dir.js';

describe('offset set while delivering', () => {
  it('is refused for an active subscriber, and applied once it stopped: it then resumes from there', async () => {
    const messenger = await Messenger.open({
      storage: { dataDir: path.join(tempDir('keyop-admin-active-'), 'data') },
    });
    const opened = messengerHost(messenger, 'daemon', silentLogger);
    const host = opened.host;
    try {
      const first = collector<{ n: number }>();
      const sub = await messenger.subscribe('jobs', 'w', first.handler, { from: 'beginning' });
      for (let n = 0; n < 2; n += 1) await messenger.publish('jobs', 'Job', { n });
      await first.waitFor(2);
      const move = { verb: 'offset-set', channel: 'jobs', subscriber: 'w', to: 'beginning' } as const;
      await expect(runAdminRequest(host, move)).rejects.toMatchObject({
        code: ErrorCode.ADMIN_REFUSED,
        message: expect.stringContaining('is being delivered in the running daemon') as string,
      });
      await sub.stop();
      expect(await runAdminRequest(host, move)).toMatchObject({ id: 'w', to: 0 });
      const again = collector<{ n: number }>();
      await messenger.subscribe('jobs', 'w', again.handler);
      await again.waitFor(2);
      expect(again.messages.map((m) => m.payload)).toEqual([{ n: 0 }, { n: 1 }]);
    } finally {
      await opened.close();
      await messenger.close();
    }
  });
});
