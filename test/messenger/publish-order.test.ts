import { describe, expect, it } from 'vitest';
import { Messenger, type PublishReceipt } from '../../src/index.js';
import { internalsOf } from '../../src/wiring/index.js';
import { tempDir } from '../support/temp-dir.js';

describe('Messenger: publish order', () => {
  it('stores publishes in call order while the log is being reached (opened by federation first)', async () => {
    const m = await Messenger.open({ name: 'node-a', storage: { dataDir: tempDir(), syncPolicy: 'none' } });
    try {
      // The log is open in storage (as when a hub's federation opened it) but not yet reached by a publish.
      await internalsOf(m).storage.log('orders');
      const first = m.publish('orders', 'T', { n: 1 });
      // The next publish runs one microtask later, between the open finishing and the first append.
      const second = new Promise<PublishReceipt>((resolve, reject) => {
        queueMicrotask(() => {
          m.publish('orders', 'T', { n: 2 }).then(resolve, reject);
        });
      });
      const [a, b] = await Promise.all([first, second]);
      expect(a.offset).toBeLessThan(b.offset);
      const batch = m.publishBatch('orders', [{ payloadType: 'T', payload: { n: 3 } }]);
      const single = m.publish('orders', 'T', { n: 4 });
      const [[c], d] = await Promise.all([batch, single]);
      expect(c!.offset).toBeLessThan(d.offset);
      expect(b.offset).toBeLessThan(c!.offset);
    } finally {
      await m.close();
    }
  });
});
